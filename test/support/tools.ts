import { execFileSync } from 'node:child_process';

/**
 * Tests that drive real third-party peers (tshark, SIPp, baresip, Kamailio, coturn, ip netns) call this
 * first. A missing tool is a loud failure, never a silent skip: `.ci/run` installs every one of them, and
 * a developer machine without them should see exactly what to install.
 */
const PACKAGE_OF: Record<string, string> = {
  tshark: 'tshark',
  text2pcap: 'tshark',
  sipp: 'sip-tester',
  baresip: 'baresip-core',
  kamailio: 'kamailio',
  turnserver: 'coturn',
  ip: 'iproute2',
  nft: 'nftables',
  dnsmasq: 'dnsmasq-base',
};

export function toolPath(tool: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function requireTool(tool: string): string {
  const path = toolPath(tool);
  if (path === undefined) {
    const pkg = PACKAGE_OF[tool] ?? tool;
    throw new Error(
      `required tool "${tool}" is not installed: run .ci/run, or apt-get install -y --no-install-recommends ${pkg}`,
    );
  }
  return path;
}

/** Property-test runs: at least 10,000 per property in CI (issue #2); FC_NUM_RUNS overrides. */
export function propertyRuns(): number {
  const n = Number(process.env.FC_NUM_RUNS ?? '10000');
  return Number.isInteger(n) && n > 0 ? n : 10000;
}
