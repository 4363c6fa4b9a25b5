"""Intake submissions: organizations' intakes and the athletes' stored screenings (SQLAlchemy 2)."""
