/**
 * The policy stage's public types: the policy document (what a policy file holds, `schema/netsieve-policy.schema.json`),
 * the decision a flow gets, and the problems a policy check reports.
 */

/**
 * How the policy is applied. `discover`: every flow is allowed and learned, decisions are computed and shown but
 * raise no violation. `monitor`: flows are decided and denied flows raise a `violation` event, but every packet is
 * accepted. `protect`: as monitor, and a denied flow's packets get the `drop` verdict from the packet where the
 * decision is made.
 */
export type PolicyMode = 'discover' | 'monitor' | 'protect';
export const POLICY_MODES: readonly PolicyMode[] = ['discover', 'monitor', 'protect'];

export type PolicyAction = 'allow' | 'deny';

/** A group of endpoints: addresses (CIDR blocks, IPv4 and IPv6) and names (learned from DNS, TLS SNI, HTTP Host). */
export interface PolicyGroupSpec {
  /** `10.0.0.0/24`, `fd00::/64`, or one address (`10.0.0.5`, a /32 or /128). */
  cidrs?: string[];
  /** `github.com` (that name only) or `*.github.com` (any subdomain, not `github.com` itself). Case-insensitive. */
  fqdns?: string[];
  /** Free text for people. */
  comment?: string;
}

/** One rule: the first rule (in file order) whose every field matches a flow decides it. */
export interface PolicyRuleSpec {
  /** Unique within the policy; reported in decisions and violations. */
  id: string;
  /** The group that must contain the client (the side that opened the flow). */
  from: string;
  /** The group that must contain the server. */
  to: string;
  /**
   * Transport and server port: `tcp/443`, `udp/53`, `tcp/8000-8100`, `tcp` (any TCP port), `sctp/2905`, `icmp`,
   * `icmpv6`, `ip/47` (any other IP protocol by number). Absent: any.
   */
  ports?: string[];
  /** Applications as netsieve detects them from content (`http`, `tls`, `dns`, `redis`, ...). Absent: any, even unknown. */
  apps?: string[];
  action: PolicyAction;
  comment?: string;
}

/** A policy file's content. */
export interface PolicyDocument {
  $schema?: string;
  /** Default `monitor`. */
  mode?: PolicyMode;
  /** What a flow no rule matches gets. Default `deny`. */
  default?: PolicyAction;
  groups?: Record<string, PolicyGroupSpec>;
  rules?: PolicyRuleSpec[];
  comment?: string;
}

/** One problem found in a policy document, at its JSON path (`$.rules[2].ports[0]`). */
export interface PolicyProblem {
  path: string;
  severity: 'error' | 'warning';
  message: string;
}

/** Where the name that put a server in an `fqdns` group came from. */
export type NameSource = 'dns' | 'sni' | 'host';

/** Why a flow was decided as it was. */
export interface PolicyEvidence {
  /** The flow's application as detected from content (null: not identified). */
  app: string | null;
  /** The rule's `from` and `to` groups (absent when the default decided). */
  fromGroup?: string;
  toGroup?: string;
  /** The name that put the server in the rule's `to` group, when an `fqdns` entry did. */
  name?: string;
  nameSource?: NameSource;
  /** The flow's TLS SNI or HTTP Host, when seen. */
  serverName?: string;
}

/** A flow's decision: on its `flow` event (`policy`) and on `violation` events. */
export interface PolicyDecision {
  action: PolicyAction;
  /** The deciding rule's id, or `default`. */
  rule: string;
  mode: PolicyMode;
  evidence: PolicyEvidence;
}
