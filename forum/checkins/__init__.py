"""The check-ins wing: projects and experiments, rounds derived from the programme, 1:1
prompts and nudges through the outbox, answers, the coordinators' overview, the digest
before each meeting and critical-friend pairs. It reads ``forum.meetings``; meetings
never import it (they call the hooks it registers, ``forum.meetings.hooks``)."""
