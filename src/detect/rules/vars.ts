/**
 * Rule variables (`$HOME_NET`, `$HTTP_PORTS`, ...): Suricata's defaults and the lookup the address and port
 * parsers use.
 *
 * The defaults are those of the `vars:` section of the suricata.yaml that Suricata 7 ships (address-groups and
 * port-groups). netsieve keeps one name space for both groups, as rules never use the same name for an address
 * and a port list; a variable holds text, parsed as an address or a port list where it is used, so that a
 * variable can refer to others (`EXTERNAL_NET = !$HOME_NET`) and a caller's `HOME_NET` changes what
 * `EXTERNAL_NET` and the `*_SERVERS` mean.
 */
import { RuleError } from './rule-error.js';

/** suricata.yaml's `vars.address-groups`. */
export const DEFAULT_ADDRESS_VARS: Readonly<Record<string, string>> = {
  HOME_NET: '[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]',
  EXTERNAL_NET: '!$HOME_NET',
  HTTP_SERVERS: '$HOME_NET',
  SMTP_SERVERS: '$HOME_NET',
  SQL_SERVERS: '$HOME_NET',
  DNS_SERVERS: '$HOME_NET',
  TELNET_SERVERS: '$HOME_NET',
  AIM_SERVERS: '$EXTERNAL_NET',
  DC_SERVERS: '$HOME_NET',
  DNP3_SERVER: '$HOME_NET',
  DNP3_CLIENT: '$HOME_NET',
  MODBUS_CLIENT: '$HOME_NET',
  MODBUS_SERVER: '$HOME_NET',
  ENIP_CLIENT: '$HOME_NET',
  ENIP_SERVER: '$HOME_NET',
};

/** suricata.yaml's `vars.port-groups`. */
export const DEFAULT_PORT_VARS: Readonly<Record<string, string>> = {
  HTTP_PORTS: '80',
  SHELLCODE_PORTS: '!80',
  ORACLE_PORTS: '1521',
  SSH_PORTS: '22',
  DNP3_PORTS: '20000',
  MODBUS_PORTS: '502',
  FILE_DATA_PORTS: '[$HTTP_PORTS,110,143]',
  FTP_PORTS: '21',
  GENEVE_PORTS: '6081',
  VXLAN_PORTS: '4789',
  TEREDO_PORTS: '3544',
};

/** How deep variables may refer to variables; deeper is taken for a loop. */
export const MAX_VAR_DEPTH = 16;

/** A variable name as Suricata accepts it (letters, digits, underscore). */
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The variables rules see: Suricata's defaults overridden by the caller's. Names are given without `$`
 * (a leading `$` is tolerated). Throws a RuleError for a name that is not a variable name.
 */
export function resolveVars(given: Readonly<Record<string, string>> | undefined): Map<string, string> {
  const vars = new Map<string, string>();
  for (const [k, v] of Object.entries(DEFAULT_ADDRESS_VARS)) vars.set(k, v);
  for (const [k, v] of Object.entries(DEFAULT_PORT_VARS)) vars.set(k, v);
  for (const [rawName, value] of Object.entries(given ?? {})) {
    const name = rawName.startsWith('$') ? rawName.slice(1) : rawName;
    if (!VAR_NAME.test(name))
      throw new RuleError('invalid-value', `variable name "${rawName}" is not a name (letters, digits, _)`);
    if (typeof value !== 'string' || value.trim() === '')
      throw new RuleError('invalid-value', `variable ${name} has an empty value`);
    vars.set(name, value.trim());
  }
  return vars;
}
