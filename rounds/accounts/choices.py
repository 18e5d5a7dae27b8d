from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Owner / admin"
    RECRUITER = "recruiter", "Recruiter"
    HIRING_MANAGER = "hiring_manager", "Hiring manager"
    READ_ONLY = "read_only", "Read-only"


class DistanceUnit(models.TextChoices):
    KM = "km", "Kilometres (km)"
    MILES = "mi", "Miles (mi)"


class OrganizationKind(models.TextChoices):
    CLINIC_GROUP = "clinic_group", "Clinic or clinic group"
    HEALTH_SYSTEM = "health_system", "Health system"
    STAFFING_FIRM = "staffing_firm", "Medical staffing firm"
    CLINICAL_RESEARCH = "clinical_research", "Clinical research (site, sponsor or CRO)"


class PracticeModel(models.TextChoices):
    FEE_FOR_SERVICE = "fee_for_service", "Fee-for-service"
    SALARIED = "salaried", "Salaried / employed"
    CAPITATION = "capitation", "Capitation / blended"
    ALTERNATIVE_RELATIONSHIP = "arp", "Alternative relationship plan (ARP)"
    HOURLY = "hourly", "Hourly / sessional"
    MIXED = "mixed", "Mixed"


class CompensationModel(models.TextChoices):
    FFS_SPLIT = "ffs_split", "Fee-for-service with overhead split"
    SALARY = "salary", "Salary"
    HOURLY = "hourly", "Hourly"
    DAILY_RATE = "daily_rate", "Daily / shift rate"
    SALARY_PLUS_BONUS = "salary_bonus", "Salary plus productivity bonus"
    OTHER = "other", "Other"


class AccountEmail(models.TextChoices):
    """What an account email is for (rounds/accounts/mail.py sends every one of them)."""

    INVITATION = "invitation", "Invitation to join an organization"
    PASSWORD_RESET = "password_reset", "Link to choose a new password"
