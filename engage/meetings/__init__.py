"""Meetings: scheduling, attendees, conflicts, calendar views and feeds."""
