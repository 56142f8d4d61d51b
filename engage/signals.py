"""Signals: how a lower layer tells the layers above it that something happened.

A domain never imports one above it (docs/architecture.md, "Layers"). When a change in a lower
domain must make a higher one act — a meeting restricted must be sent again, a contact who objects
must not get queued mail — the lower domain sends a signal here and the higher domain's receiver,
connected explicitly in create_app, does the work inside the same transaction.

Receivers run synchronously, in the order create_app connects them, and their exceptions propagate
to the sender (so a failed reaction rolls the whole change back, as a direct call did).
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A contact, meeting or outcome changed sensitivity (sent by access.services.set_sensitivity, after
#: the change is flushed). Sender: the record; keyword arguments: actor, now, old, new, announce
#: (False when the caller sends its own update).
sensitivity_changed = _signals.signal("sensitivity-changed")

#: A contact was marked "do not contact" (sent by directory.services.update_contact). Sender: the
#: contact; keyword arguments: actor, now.
contact_objected = _signals.signal("contact-objected")

#: Asked before a meeting message (invitation, update, cancellation, reminder) is rendered for one
#: recipient. Sender: the meeting; keyword arguments: recipient, kind, now. A receiver returns True to
#: refuse the message (recording why); data protection's receiver refuses contacts who objected or
#: were erased. Invitations refuse to render anything while no receiver is connected.
message_to_recipient = _signals.signal("message-to-recipient")
