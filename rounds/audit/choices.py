from django.db import models


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    MERGE = "merge", "Merged"
    EXPORT = "export", "Exported"
    IMPORT = "import", "Imported"
    DOWNLOAD = "download", "Downloaded"
    ERASE = "erase", "Erased"
