from django.db import models


class Profession(models.TextChoices):
    PHYSICIAN = "physician", "Physician"
    NURSE_PRACTITIONER = "nurse_practitioner", "Nurse practitioner"
    PHYSICIAN_ASSISTANT = "physician_assistant", "Physician assistant"
    REGISTERED_NURSE = "registered_nurse", "Registered nurse"
    PRACTICAL_NURSE = "practical_nurse", "Licensed / registered practical nurse"
    MIDWIFE = "midwife", "Midwife"
    PHARMACIST = "pharmacist", "Pharmacist"
    PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
    OCCUPATIONAL_THERAPIST = "occupational_therapist", "Occupational therapist"
    SPEECH_LANGUAGE_PATHOLOGIST = "speech_language_pathologist", "Speech-language pathologist"
    DIETITIAN = "dietitian", "Dietitian"
    PSYCHOLOGIST = "psychologist", "Psychologist"
    SOCIAL_WORKER = "social_worker", "Social worker"
    PARAMEDIC = "paramedic", "Paramedic"
    RADIOGRAPHER = "radiographer", "Medical radiation technologist / radiographer"
    SONOGRAPHER = "sonographer", "Sonographer"
    LAB_TECHNOLOGIST = "lab_technologist", "Medical laboratory technologist"
    RESPIRATORY_THERAPIST = "respiratory_therapist", "Respiratory therapist"
    CLINICAL_RESEARCH_ASSOCIATE = "clinical_research_associate", "Clinical research associate"
    CLINICAL_RESEARCH_COORDINATOR = "clinical_research_coordinator", "Clinical research coordinator"
    MEDICAL_OFFICE_ASSISTANT = "medical_office_assistant", "Medical office assistant"
    FRONT_OFFICE = "front_office", "Front office / reception"
    PRACTICE_MANAGER = "practice_manager", "Practice manager"
    OTHER = "other", "Other"


class CandidateStatus(models.TextChoices):
    ACTIVE = "active", "Active — looking"
    PASSIVE = "passive", "Passive — open to hear"
    NOT_LOOKING = "not_looking", "Not looking"
    PLACED = "placed", "Placed"
    DO_NOT_CONTACT = "do_not_contact", "Do not contact"


class Source(models.TextChoices):
    REFERRAL = "referral", "Referral"
    FORMER_STAFF = "former_staff", "Former staff"
    FORMER_LOCUM = "former_locum", "Former locum"
    OWN_NETWORK = "own_network", "Own network"
    ASSOCIATION = "association", "Networking group / association"
    JOB_BOARD = "job_board", "Job board"
    CONFERENCE = "conference", "Conference / event"
    CAREER_SITE = "career_site", "Career site"
    SCHOOL_PROGRAM = "school_program", "School / training program"
    SOURCED = "sourced", "Sourced by recruiter"
    IMPORT = "import", "Import"
    OTHER = "other", "Other"


class LicenceStatus(models.TextChoices):
    ACTIVE = "active", "Active / full"
    PROVISIONAL = "provisional", "Provisional / restricted"
    PENDING = "pending", "Application pending"
    ELIGIBLE = "eligible", "Eligible"
    INACTIVE = "inactive", "Inactive"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked / suspended"


class CertificationKind(models.TextChoices):
    BOARD = "board", "Board / college certification"
    LIFE_SUPPORT = "life_support", "Life support (ACLS, PALS, BLS…)"
    RESEARCH = "research", "Research (GCP, CCRP…)"
    OTHER = "other", "Other"


class Setting(models.TextChoices):
    COMMUNITY_CLINIC = "community_clinic", "Community clinic / office"
    HOSPITAL_INPATIENT = "hospital_inpatient", "Hospital inpatient"
    EMERGENCY = "emergency", "Emergency department"
    ICU = "icu", "Intensive care"
    LONG_TERM_CARE = "long_term_care", "Long-term care"
    HOME_CARE = "home_care", "Home and community care"
    RURAL = "rural", "Rural / remote"
    VIRTUAL = "virtual", "Virtual care"
    RESEARCH_SITE = "research_site", "Research site"
    SPONSOR_CRO = "sponsor_cro", "Sponsor / CRO"
    ACADEMIC = "academic", "Academic centre"
    OTHER = "other", "Other"


class EmploymentType(models.TextChoices):
    PERMANENT = "permanent", "Permanent full-time"
    PART_TIME = "part_time", "Permanent part-time"
    LOCUM = "locum", "Locum"
    CONTRACT = "contract", "Contract / temporary"
    PER_DIEM = "per_diem", "Per diem / casual"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    CALL = "call", "Phone call"


class ContactKind(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"


class ConsentBasis(models.TextChoices):
    EXPRESS = "express", "Express consent"
    IMPLIED_TRANSACTION = "implied_transaction", "Implied — business relationship (2 years)"
    IMPLIED_INQUIRY = "implied_inquiry", "Implied — inquiry or application (6 months)"
    PUBLISHED_ADDRESS = "published_address", "Implied — published address"
    REVOKED = "revoked", "Withdrawn / opted out"


class ContactFrequency(models.TextChoices):
    ANY = "any", "Whenever relevant"
    WEEKLY = "weekly", "At most weekly"
    MONTHLY = "monthly", "At most monthly"
    QUARTERLY = "quarterly", "At most quarterly"


class AttachmentKind(models.TextChoices):
    CV = "cv", "CV / résumé"
    COVER_LETTER = "cover_letter", "Cover letter"
    LICENCE = "licence", "Licence / certificate"
    REFERENCE = "reference", "Reference"
    OTHER = "other", "Other"


class ErasureSource(models.TextChoices):
    OWNER = "owner", "Erased by an owner"
    CANDIDATE = "candidate", "Asked for by the candidate"
    RETENTION = "retention", "Retention period"


class ErasureStatus(models.TextChoices):
    REQUESTED = "requested", "Waiting for the candidate to confirm"
    DONE = "done", "Erased"
