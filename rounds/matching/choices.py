from django.db import models


class Component(models.TextChoices):
    """The parts a match score is made of; an organization weighs each one."""

    PROFESSION = "profession", "Profession"
    SPECIALTY = "specialty", "Specialty"
    LICENCE = "licence", "Licence / eligibility"
    DISTANCE = "distance", "Distance and relocation"
    AVAILABILITY = "availability", "Availability (locum dates)"
    EXPERIENCE = "experience", "Experience"
    CREDENTIALS = "credentials", "Certifications and therapeutic areas"
    PREFERENCES = "preferences", "Preferences fit"
    ENGAGEMENT = "engagement", "Engagement and recency"


# Starting weights: what the candidate is and where they may practise first, then where they are,
# then the rest. They sum to 1; an organization's feedback moves them (rounds.matching.actions).
DEFAULT_WEIGHTS: dict[str, float] = {
    Component.PROFESSION: 0.18,
    Component.SPECIALTY: 0.22,
    Component.LICENCE: 0.14,
    Component.DISTANCE: 0.12,
    Component.AVAILABILITY: 0.07,
    Component.EXPERIENCE: 0.07,
    Component.CREDENTIALS: 0.07,
    Component.PREFERENCES: 0.05,
    Component.ENGAGEMENT: 0.08,
}
MIN_WEIGHT = 0.02
MAX_WEIGHT = 0.40
# Learning moves a component's weight within half and twice its default: signals tune the
# weights, they can't drive one to nothing (nor set by hand, where MIN/MAX_WEIGHT hold).
LEARNED_RANGE = (0.5, 2.0)


def learned_bounds(component: str) -> tuple[float, float]:
    default = DEFAULT_WEIGHTS[component]
    return (max(MIN_WEIGHT, default * LEARNED_RANGE[0]),
            min(MAX_WEIGHT, default * LEARNED_RANGE[1]))


class FeedbackSource(models.TextChoices):
    THUMBS_UP = "thumbs_up", "Thumbs up"
    THUMBS_DOWN = "thumbs_down", "Thumbs down"
    ENGAGED = "engaged", "Engaged in the pipeline"
    HIRED = "hired", "Hired"
    REJECTED = "rejected", "Rejected"
    MANUAL = "manual", "Weights set by hand"
    RESET = "reset", "Weights reset to defaults"
