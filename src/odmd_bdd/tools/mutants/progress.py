"""Progress of a layer's mutant run: one line per mutant as its last scenario run ends,
`[done/total] layer: m0042 killed (kind, case)`, read from the `--odmd-progress` lines of
the pytest run (harness.terminal.ended)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from odmd_bdd.harness.terminal import ended
from odmd_bdd.names import id_params
from odmd_bdd.tools.mutants.generate import Mutant


class MutantProgress:
    def __init__(
        self, layer: str, chosen: list[Mutant], calls: dict[str, list[str]], say: Callable[[str], None]
    ) -> None:
        self.layer = layer
        self.say = say
        self.mutants = {m.id: m for m in chosen}
        # as harness.mutants parametrizes: one run per scenario answered from the mutant's case
        self.runs = {m.id: sum(m.case in cases for cases in calls.values()) for m in chosen}
        self.ended: Counter[str] = Counter()
        self.words: dict[str, set[str]] = {m.id: set() for m in chosen}
        self.seen: set[str] = set()  # test ids already counted (the short summary repeats failed ones)
        self.told: set[str] = set()

    def line(self, text: str) -> None:
        """One line of the pytest run's output."""
        found = ended(text)
        if found is None or found[1] in self.seen:
            return
        word, nodeid = found
        params = id_params(nodeid)
        mutant = next((p for p in (params.split("-") if params else []) if p in self.mutants), None)
        if mutant is None:
            return
        self.seen.add(nodeid)
        self.ended[mutant] += 1
        self.words[mutant].add(word)
        if self.ended[mutant] >= self.runs[mutant]:
            self._tell(mutant)

    def finish(self) -> None:
        """The mutants whose runs did not all show (a scenario deselected, a line cut): told now."""
        for mutant in self.mutants:
            self._tell(mutant)

    def _tell(self, mutant: str) -> None:
        if mutant in self.told:
            return
        self.told.add(mutant)
        words = self.words[mutant]
        verdict = "killed" if words & {"FAILED", "ERROR"} else "survived" if "PASSED" in words else "not run"
        m = self.mutants[mutant]
        self.say(f"[{len(self.told)}/{len(self.mutants)}] {self.layer}: {m.id} {verdict} ({m.kind}, {m.case})")
