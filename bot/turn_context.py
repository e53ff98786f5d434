"""A ``TurnContext`` that copies an outgoing activity shallowly instead of deeply.

Why: botbuilder 4.17.1's ``TurnContext.send_activities`` deep-copies every
activity before it fills in the conversation reference, so that the caller's
object stays as it was. For a card that is a walk over every element of it:
1.3–1.8 ms of CPU per reply or invoke answer for our larger cards
(``bench/profile_turn.py``), the poll's and the help card's above all. What
the SDK changes on the copy are the activity's own fields (type, id, input
hint, conversation, from, recipient, reply-to id, locale, service URL): it
assigns them, it never edits the card or another nested value in place. A
shallow copy keeps the caller's activity unchanged just as well.
"""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ResourceResponse

logger = logging.getLogger(__name__)


class _CopiedShallowly(Activity):  # type: ignore[misc]
    """A view of an activity whose ``deepcopy`` is a shallow copy (a plain ``Activity``)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Activity:
        twin = Activity.__new__(Activity)
        twin.__dict__.update(self.__dict__)
        return twin


def _shallow_view(activity: Activity) -> Activity:
    view = _CopiedShallowly.__new__(_CopiedShallowly)
    view.__dict__ = activity.__dict__  # the same state: nothing is copied until the SDK copies it
    return view


class ForumTurnContext(TurnContext):  # type: ignore[misc]
    """The SDK's turn context; only the copy made of each outgoing activity is shallow."""

    async def send_activities(self, activities: list[Activity]) -> list[ResourceResponse]:
        return await super().send_activities([_shallow_view(activity) for activity in activities])
