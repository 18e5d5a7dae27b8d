"""The purposes of the locum network's messages (registered in apps.py): each message says
what it is and which record it is about (`Message.purpose`, `Message.ref_id`)."""

OFFER = "locums.offer"  # a shift offered to a member (ref: the ShiftOffer); YES/NO answer it
BOOKING = "locums.booking"  # the booked member's confirmation (ref: the Booking)
BOOKING_CANCELLED = "locums.booking_cancelled"  # their booking was cancelled (ref: Booking)
WAITLISTED_NOTICE = "locums.waitlisted"  # "filled: you're #2 on the waitlist" (ref: offer)
SHIFT_CANCELLED = "locums.shift_cancelled"  # a waitlisted member's shift was cancelled
ANSWER = "locums.answer"  # the answer to a YES or NO they texted (ref: their offer)
WHICH_SHIFT = "locums.which_shift"  # "which shift?" after a YES that names none
COURTESY = "locums.courtesy"  # a YES from a number we can't match: a polite "no match"
