"""Run folders on disk: written aside and renamed into place, with their manifest."""
