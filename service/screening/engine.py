"""durable-rules adapter: the rulebook's conditions compiled into one ruleset.

durable-rules decides which rules match a fact; `outcome.resolve` then applies the
precedence written in the rulebook. The traps this class avoids are measured in
docs/engine-notes.md: the stock Host starts timer threads that crash under concurrent
callers, an unmatched fact followed by `delete_state` corrupts memory, sessions leak
unless deleted, and exceptions inside actions are swallowed into the state.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable, Mapping
from typing import Any

from durable import engine as durable_engine

from ..errors import EngineError
from ..rulebook import Rulebook

RULESET = "screening"
CATCH_ALL = "__every_answer_set__"


class _QuietHost(durable_engine.Host):  # type: ignore[misc]
    """A Host without the background dispatch threads; actions come from the rulebook."""

    def __init__(self, actions: Mapping[str, Callable[[Any], None]]) -> None:
        self._actions_by_name = actions
        super().__init__()

    def _run(self) -> None:
        """Nothing to dispatch in the background: every fact is handled synchronously."""

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        return self._actions_by_name[action_name]


class Engine:
    """Matches answers against every rule of a rulebook, through durable-rules."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        self._lock = threading.Lock()
        self._session_ids = itertools.count(1)
        self._fired: list[str] = []
        self._action_errors: list[BaseException] = []
        definition: dict[str, Any] = {
            rule.id: {"all": [{"m": rule.durable_condition}], "run": rule.id} for rule in rulebook.rules
        }
        # Every fact must match some rule: an unmatched fact leaves a session that cannot
        # be deleted safely. `kind` is set on every fact, so this rule always fires.
        definition[CATCH_ALL] = {"all": [{"m": {"kind": "answers"}}], "run": CATCH_ALL}
        actions = {name: self._action(name) for name in definition}
        self._host = _QuietHost(actions)
        # register_rulesets deletes 'run' from the dict it is given.
        self._host.register_rulesets({RULESET: copy.deepcopy(definition)})

    def _action(self, rule_id: str) -> Callable[[Any], None]:
        def record(closure: Any) -> None:
            try:
                self._fired.append(rule_id)
            except BaseException as error:  # surfaced after assert_fact; durable-rules would swallow it
                self._action_errors.append(error)
                raise

        return record

    def matching_rules(self, fact: Mapping[str, Any]) -> frozenset[str]:
        """Ids of the rules whose conditions hold for a flattened answers fact."""
        with self._lock:
            sid = str(next(self._session_ids))
            self._fired.clear()
            self._action_errors.clear()
            try:
                state = self._host.assert_fact(RULESET, {**fact, "sid": sid, "id": "answers"})
            except durable_engine.MessageNotHandledException as error:
                # Deleting the session of an unmatched fact corrupts the heap; leave it.
                raise EngineError("no rule matched the answers") from error
            except Exception as error:
                self._delete_session(sid)
                raise EngineError(f"durable-rules failed: {error}") from error
            self._delete_session(sid)
            if self._action_errors or (isinstance(state, dict) and "exception" in state):
                raise EngineError(f"a rule action failed: {self._action_errors or state['exception']}")
            if CATCH_ALL not in self._fired:
                raise EngineError("the catch-all rule did not fire")
            return frozenset(rule_id for rule_id in self._fired if rule_id != CATCH_ALL)

    def _delete_session(self, sid: str) -> None:
        self._host.delete_state(RULESET, sid)
