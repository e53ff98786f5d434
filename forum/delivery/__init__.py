"""The delivery wing: every proactive message goes through the outbox.

How a feature sends (it never sees the worker):

- ``intents.enqueue_intent(session, key=…, purpose=…, target=ChannelTarget(forum_id) |
  PersonTarget(person_id), data={"meeting_id": 5}, forum_id=…, not_before=None,
  expires_at=None, respect_quiet_hours=False)`` in the transaction of the change that
  causes the message. ``key`` is the idempotency key (the same key twice is one row);
  ``data`` holds domain ids only, as JSON.
- ``intents.enqueue_card_update(session, card_key=…, purpose=…)`` to have a card the
  outbox posted replaced by its current rendering; pending updates of one card coalesce.
  ``intents.request_card_update`` (same arguments, returns a bool) makes the same decisions
  in one read and at most one insert: use it from a turn's hot path (an RSVP, a vote).
- A renderer per purpose, registered in the feature's ``*_context`` on
  ``app[DELIVERY].renderers``: ``async def render(session, intent, reader) -> dict | None``.
  The worker calls it when the row is sent (read-only session, no write lock), with
  ``reader.locale`` / ``reader.time_zone`` of whoever reads it; None ends the row
  ``dropped`` (nothing to say any more).
- Scheduled work: ``jobs.upsert_job`` with a kind whose handler is registered on
  ``app[DELIVERY].jobs``; the handler enqueues intents in the job's transaction.
- After the commit, ``app[DELIVERY].kick()`` has the worker send at once.

``outbox.enqueue_message`` (a ready activity) stays for replies built in the turn that
asked for them (a preview, a form sent to the asker's 1:1).
"""
