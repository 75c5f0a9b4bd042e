"""`diff`: the flows that become allowed or denied between two manifest sets (BEFORE -> AFTER).

Both sides are judged by the engine on the same pods (representatives chosen from both sides'
selectors when no pods are given), on every port either side's policies name plus a default set.
"""

from reachability.diff.align import align
from reachability.diff.flows import Diff, FlowChange, diff
from reachability.diff.report import FORMATS, render

__all__ = ["FORMATS", "Diff", "FlowChange", "align", "diff", "render"]
