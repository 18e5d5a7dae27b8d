def test_signed_in_user_sees_today(login, recruiter):
    response = login(recruiter).get("/")
    assert response.status_code == 200
    assert b"Today" in response.content


def test_anonymous_user_is_sent_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
