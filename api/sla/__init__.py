"""Working calendars, deadlines, the overdue sweeper and notifications."""
