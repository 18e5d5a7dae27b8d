"""Candidate views, by area: search.py (list, filters, export), profile.py (one record and
its licences, consent, documents), duplicates.py (find and merge)."""
