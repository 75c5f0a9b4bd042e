"""End-to-end check of the NetworkPolicy sets on a cluster whose CNI enforces them (Kind/kindnet).

The pure part, tested offline: from rendered stack manifests, the probe pods to deploy
(``probes``), the probes to run between them (``plan``), what ``reachability`` predicts for each
(``predict``) and how measurements compare with it (``compare``), and for the guardrails job the
hostile policies it adds and the cluster-scoped objects teardown must remove (``guardrails``).
The impure part, ``measure``, runs the probes with ``kubectl exec``; the CLI (``python -m e2e``)
ties them together for ``.github/workflows/e2e-kind.yml``. A difference between prediction and
measurement is a bug in the policies' model or in the analyzer: either way the seed's lesson
(policies only fail on an enforcing CNI) is caught in CI instead of production.
"""
