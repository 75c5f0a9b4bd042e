"""Kubernetes API facts and the default cluster layout, each written once.

The bottom floor of the house: it imports nothing of ours, and every other package (the analyzer,
the components, the policy pack, the end-to-end tests) takes these facts from here, so that a
newcomer who changes one changes it everywhere.

- ``api``: names and closed sets the API defines (labels, protocols, directions, API versions),
  and the lint-ignore annotation our tools read;
- ``layout``: where a typical cluster runs the ingress controller and DNS, and its system
  namespaces;
- ``cluster_network_policy``: the ClusterNetworkPolicy API of network-policy-api v0.2.0
  (``policy.networking.k8s.io/v1alpha2``): tiers, actions, priorities and the CRD's limits; and
  its v1alpha1 predecessors AdminNetworkPolicy and BaselineAdminNetworkPolicy;
- ``validation``: the API server's syntax rules for names, labels, ports and quantities, with the
  one wording every message uses;
- ``yaml_limits``: the alias budget (and a nesting bound) of the Go YAML decoder that the Pulumi
  CLI and kubectl read YAML with, for every YAML reader of ours.
"""
