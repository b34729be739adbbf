/**
 * The one catalogue of every metric the agent emits: name, kind, unit, labels and meaning.
 *
 * Probes name their metrics through the `MetricName` type derived from this table, so a metric
 * that is not catalogued does not compile; a test checks the labels at run time. The docs are
 * generated from this table, never copied by hand. Names follow Prometheus conventions: no
 * prefix, snake_case, base unit in the name, `_total` for counters.
 *
 * It lives in contract/ because both sides read it: the agent emits these series, and the rule
 * loader (rules/) checks every rule's metric, label and template against it, together with the
 * series the collector derives itself (collectorSeries.ts).
 */

/** Prometheus metric kinds used by the agent. */
export type MetricKind = 'gauge' | 'counter';

/**
 * Base units, as they appear at the end of the metric names; `status` is a Nagios state code
 * (0 ok, 1 warning, 2 critical, 3 unknown), which only derived check series have.
 */
export type MetricUnit = 'ratio' | 'bytes' | 'seconds' | 'bytes_per_second' | 'per_second' | 'count' | 'boolean' | 'celsius' | 'status';

/** One catalogue entry. */
export interface MetricDefinition {
  readonly kind: MetricKind;
  readonly unit: MetricUnit;
  /** Label names every observation of this metric carries, in documentation order. */
  readonly labels: readonly string[];
  readonly help: string;
  /**
   * Whether each sample carries a text beside its value (a check's output), which rule templates
   * read as `{{ output }}`. Only series the collector derives from check results do.
   */
  readonly text?: boolean;
}

const FILESYSTEM_LABELS = ['mount', 'device', 'fstype'] as const;
const INTERFACE_LABELS = ['interface'] as const;
const TARGET_LABELS = ['target'] as const;
const DEVICE_LABELS = ['device'] as const;
const MD_LABELS = ['device', 'level'] as const;

/** Every metric the agent emits, keyed by name. */
export const METRIC_CATALOGUE = {
  cpu_usage_ratio: { kind: 'gauge', unit: 'ratio', labels: [], help: 'Share of CPU time not idle and not waiting for I/O over the last interval, all CPUs' },
  cpu_iowait_ratio: { kind: 'gauge', unit: 'ratio', labels: [], help: 'Share of CPU time idle while waiting for I/O over the last interval' },
  cpu_steal_ratio: { kind: 'gauge', unit: 'ratio', labels: [], help: 'Share of CPU time stolen by the hypervisor over the last interval' },

  load1: { kind: 'gauge', unit: 'count', labels: [], help: 'Load average over 1 minute' },
  load5: { kind: 'gauge', unit: 'count', labels: [], help: 'Load average over 5 minutes' },
  load15: { kind: 'gauge', unit: 'count', labels: [], help: 'Load average over 15 minutes' },
  load1_per_core: { kind: 'gauge', unit: 'count', labels: [], help: 'Load average over 1 minute divided by the number of online CPUs' },

  memory_total_bytes: { kind: 'gauge', unit: 'bytes', labels: [], help: 'Usable RAM (MemTotal)' },
  memory_available_bytes: { kind: 'gauge', unit: 'bytes', labels: [], help: 'Memory available for new work without swapping (MemAvailable)' },
  memory_used_bytes: { kind: 'gauge', unit: 'bytes', labels: [], help: 'Memory in use: total - available' },
  memory_used_ratio: { kind: 'gauge', unit: 'ratio', labels: [], help: '1 - available / total' },

  swap_total_bytes: { kind: 'gauge', unit: 'bytes', labels: [], help: 'Swap space configured (SwapTotal)' },
  swap_used_bytes: { kind: 'gauge', unit: 'bytes', labels: [], help: 'Swap space in use (SwapTotal - SwapFree)' },
  swap_used_ratio: { kind: 'gauge', unit: 'ratio', labels: [], help: 'Swap used / swap total; 0 when there is no swap' },

  swap_in_pages_per_second: { kind: 'gauge', unit: 'per_second', labels: [], help: 'Pages swapped in per second over the last interval (pswpin of /proc/vmstat)' },
  swap_out_pages_per_second: { kind: 'gauge', unit: 'per_second', labels: [], help: 'Pages swapped out per second over the last interval (pswpout)' },
  oom_kills_total: { kind: 'counter', unit: 'count', labels: [], help: 'Processes killed by the kernel OOM killer since boot (oom_kill of /proc/vmstat, Linux 4.13+)' },

  file_descriptors_allocated: { kind: 'gauge', unit: 'count', labels: [], help: 'File handles allocated system-wide (/proc/sys/fs/file-nr)' },
  file_descriptors_maximum: { kind: 'gauge', unit: 'count', labels: [], help: 'System-wide file handle limit (fs.file-max)' },
  file_descriptors_used_ratio: { kind: 'gauge', unit: 'ratio', labels: [], help: 'Allocated / maximum file handles' },

  uptime_seconds: { kind: 'gauge', unit: 'seconds', labels: [], help: 'Seconds since boot (/proc/uptime)' },
  boot_time_seconds: { kind: 'gauge', unit: 'seconds', labels: [], help: 'Boot time, Unix seconds' },
  reboot_detected: { kind: 'gauge', unit: 'boolean', labels: [], help: '1 in the first report after the kernel boot_id changed since the agent last ran, else 0' },

  temperature_celsius: { kind: 'gauge', unit: 'celsius', labels: ['chip', 'sensor'], help: 'Sensor temperature from /sys/class/hwmon (or thermal zones); absent on machines without sensors' },
  temperature_headroom_celsius: {
    kind: 'gauge',
    unit: 'celsius',
    labels: ['chip', 'sensor'],
    help: "Degrees below the sensor's critical mark (hwmon tempN_crit, a thermal zone's critical trip point, else agent.temperatures.criticalCelsius); negative above it; absent when there is no mark",
  },

  filesystem_size_bytes: { kind: 'gauge', unit: 'bytes', labels: FILESYSTEM_LABELS, help: 'Filesystem size' },
  filesystem_used_bytes: { kind: 'gauge', unit: 'bytes', labels: FILESYSTEM_LABELS, help: 'Space in use (size - free)' },
  filesystem_avail_bytes: { kind: 'gauge', unit: 'bytes', labels: FILESYSTEM_LABELS, help: 'Space available to unprivileged users' },
  filesystem_used_ratio: { kind: 'gauge', unit: 'ratio', labels: FILESYSTEM_LABELS, help: 'used / (used + avail), as df computes Use%' },
  filesystem_inodes: { kind: 'gauge', unit: 'count', labels: FILESYSTEM_LABELS, help: 'Inodes in the filesystem; absent for filesystems without a fixed inode table' },
  filesystem_inodes_used: { kind: 'gauge', unit: 'count', labels: FILESYSTEM_LABELS, help: 'Inodes in use' },
  filesystem_inodes_used_ratio: { kind: 'gauge', unit: 'ratio', labels: FILESYSTEM_LABELS, help: 'Inodes used / inodes total' },
  filesystem_readonly: { kind: 'gauge', unit: 'boolean', labels: FILESYSTEM_LABELS, help: '1 when the filesystem is mounted read-only (the "ro" option in /proc/self/mounts, as after an errors=remount-ro), else 0' },
  filesystem_device_error: { kind: 'gauge', unit: 'boolean', labels: FILESYSTEM_LABELS, help: '1 when statfs failed or did not return in time (stale NFS, vanished mount), else 0' },

  network_receive_bytes_total: { kind: 'counter', unit: 'bytes', labels: INTERFACE_LABELS, help: 'Bytes received since the interface came up' },
  network_receive_bytes_per_second: { kind: 'gauge', unit: 'bytes_per_second', labels: INTERFACE_LABELS, help: 'Receive throughput over the last interval' },
  network_receive_packets_total: { kind: 'counter', unit: 'count', labels: INTERFACE_LABELS, help: 'Packets received' },
  network_receive_packets_per_second: { kind: 'gauge', unit: 'per_second', labels: INTERFACE_LABELS, help: 'Packets received per second over the last interval' },
  network_receive_errors_total: { kind: 'counter', unit: 'count', labels: INTERFACE_LABELS, help: 'Receive errors' },
  network_receive_errors_per_second: { kind: 'gauge', unit: 'per_second', labels: INTERFACE_LABELS, help: 'Receive errors per second over the last interval' },
  network_receive_drops_total: { kind: 'counter', unit: 'count', labels: INTERFACE_LABELS, help: 'Received packets dropped' },
  network_receive_drops_per_second: { kind: 'gauge', unit: 'per_second', labels: INTERFACE_LABELS, help: 'Received packets dropped per second over the last interval' },
  network_transmit_bytes_total: { kind: 'counter', unit: 'bytes', labels: INTERFACE_LABELS, help: 'Bytes transmitted since the interface came up' },
  network_transmit_bytes_per_second: { kind: 'gauge', unit: 'bytes_per_second', labels: INTERFACE_LABELS, help: 'Transmit throughput over the last interval' },
  network_transmit_packets_total: { kind: 'counter', unit: 'count', labels: INTERFACE_LABELS, help: 'Packets transmitted' },
  network_transmit_packets_per_second: { kind: 'gauge', unit: 'per_second', labels: INTERFACE_LABELS, help: 'Packets transmitted per second over the last interval' },
  network_transmit_errors_total: { kind: 'counter', unit: 'count', labels: INTERFACE_LABELS, help: 'Transmit errors' },
  network_transmit_errors_per_second: { kind: 'gauge', unit: 'per_second', labels: INTERFACE_LABELS, help: 'Transmit errors per second over the last interval' },
  network_transmit_drops_total: { kind: 'counter', unit: 'count', labels: INTERFACE_LABELS, help: 'Transmitted packets dropped' },
  network_transmit_drops_per_second: { kind: 'gauge', unit: 'per_second', labels: INTERFACE_LABELS, help: 'Transmitted packets dropped per second over the last interval' },

  network_up: { kind: 'gauge', unit: 'boolean', labels: INTERFACE_LABELS, help: '1 when the interface operstate is "up" (/sys/class/net/<interface>/operstate), else 0' },
  network_speed_bytes_per_second: { kind: 'gauge', unit: 'bytes_per_second', labels: INTERFACE_LABELS, help: 'Negotiated link speed in bytes per second; absent when the driver does not report one (virtual interfaces, link down)' },

  disk_reads_per_second: { kind: 'gauge', unit: 'per_second', labels: DEVICE_LABELS, help: 'Reads completed per second over the last interval (/proc/diskstats; iostat r/s)' },
  disk_writes_per_second: { kind: 'gauge', unit: 'per_second', labels: DEVICE_LABELS, help: 'Writes completed per second (iostat w/s)' },
  disk_read_bytes_per_second: { kind: 'gauge', unit: 'bytes_per_second', labels: DEVICE_LABELS, help: 'Bytes read per second' },
  disk_written_bytes_per_second: { kind: 'gauge', unit: 'bytes_per_second', labels: DEVICE_LABELS, help: 'Bytes written per second' },
  disk_read_latency_seconds: { kind: 'gauge', unit: 'seconds', labels: DEVICE_LABELS, help: 'Average time per read completed in the interval (iostat r_await); 0 when there was none' },
  disk_write_latency_seconds: { kind: 'gauge', unit: 'seconds', labels: DEVICE_LABELS, help: 'Average time per write completed in the interval (iostat w_await); 0 when there was none' },
  disk_utilisation_ratio: { kind: 'gauge', unit: 'ratio', labels: DEVICE_LABELS, help: 'Share of the interval with I/O in flight (iostat %util)' },
  disk_read_bytes_total: { kind: 'counter', unit: 'bytes', labels: DEVICE_LABELS, help: 'Bytes read since boot' },
  disk_written_bytes_total: { kind: 'counter', unit: 'bytes', labels: DEVICE_LABELS, help: 'Bytes written since boot' },
  disk_io_time_seconds_total: { kind: 'counter', unit: 'seconds', labels: DEVICE_LABELS, help: 'Seconds with I/O in flight since boot' },

  md_disks_required: { kind: 'gauge', unit: 'count', labels: MD_LABELS, help: 'Member disks the md array needs (/proc/mdstat)' },
  md_disks_active: { kind: 'gauge', unit: 'count', labels: MD_LABELS, help: 'Member disks up' },
  md_degraded: { kind: 'gauge', unit: 'boolean', labels: MD_LABELS, help: '1 while an active md array has fewer disks up than it needs, else 0' },
  md_rebuilding: { kind: 'gauge', unit: 'boolean', labels: MD_LABELS, help: '1 while /proc/mdstat shows the array rebuilding or resynchronising (recovery, resync, reshape), else 0; a scheduled check or repair does not count' },

  process_count: { kind: 'gauge', unit: 'count', labels: ['name'], help: 'Processes whose name (/proc/<pid>/comm) equals a configured agent.processes.names entry' },

  ping_rtt_seconds: { kind: 'gauge', unit: 'seconds', labels: TARGET_LABELS, help: 'Average ICMP echo round-trip time of the replies received; absent when none came back' },
  ping_jitter_seconds: { kind: 'gauge', unit: 'seconds', labels: TARGET_LABELS, help: "Jitter: the standard deviation (ping's mdev) of the replies' round-trip times; absent when none came back" },
  ping_loss_ratio: { kind: 'gauge', unit: 'ratio', labels: TARGET_LABELS, help: 'Share of echo requests without a reply; absent, with check ping:<target> unknown, when ping could not measure (unresolvable name, no ICMP permission)' },

  tcp_up: { kind: 'gauge', unit: 'boolean', labels: TARGET_LABELS, help: '1 when a TCP connection to the target succeeded within its timeout, else 0' },
  tcp_connect_seconds: { kind: 'gauge', unit: 'seconds', labels: TARGET_LABELS, help: 'Time to establish the TCP connection; absent when it failed' },

  smart_healthy: { kind: 'gauge', unit: 'boolean', labels: DEVICE_LABELS, help: "1 when the disk's SMART overall assessment passed, 0 when it predicts failure; absent without SMART (slow schedule, agent.inventory)" },
  smart_reallocated_sectors: { kind: 'gauge', unit: 'count', labels: DEVICE_LABELS, help: 'Reallocated sectors (ATA attribute 5, raw); needs smartctl' },
  smart_pending_sectors: { kind: 'gauge', unit: 'count', labels: DEVICE_LABELS, help: 'Sectors pending reallocation (ATA attribute 197, raw); needs smartctl' },
  smart_wear_ratio: { kind: 'gauge', unit: 'ratio', labels: DEVICE_LABELS, help: 'SSD wear, 0 new .. 1 worn out (NVMe percentage_used, or ATA 177/231/233); needs smartctl' },

  http_up: { kind: 'gauge', unit: 'boolean', labels: TARGET_LABELS, help: '1 when the URL answered with an expected status (200-399 unless agent.http.targets[].expectStatus), else 0' },
  http_status_code: { kind: 'gauge', unit: 'count', labels: TARGET_LABELS, help: 'HTTP status of the last check; absent when no response came' },
  http_response_seconds: { kind: 'gauge', unit: 'seconds', labels: TARGET_LABELS, help: 'Time from request to the last body byte read (at most 64 KiB)' },
  http_tls_cert_expiry_seconds: { kind: 'gauge', unit: 'seconds', labels: TARGET_LABELS, help: "Seconds until the https server certificate's notAfter (days = value / 86400); negative once expired" },

  dns_up: { kind: 'gauge', unit: 'boolean', labels: TARGET_LABELS, help: '1 when the name resolved to at least one record of the type asked, else 0' },
  dns_lookup_seconds: { kind: 'gauge', unit: 'seconds', labels: TARGET_LABELS, help: 'Time to resolve the name; absent when it failed' },

  systemd_unit_active: { kind: 'gauge', unit: 'boolean', labels: ['unit'], help: '1 when the configured systemd unit is active (systemctl show ActiveState), else 0' },

  plugin_perfdata_value: {
    kind: 'gauge',
    unit: 'count',
    labels: ['check', 'label', 'unit'],
    help: 'One perfdata value of a Nagios plugin (check = agent.plugins name), converted to base units: unit="seconds" (s, ms, us), "ratio" (%), "bytes" (B..TB, powers of 1024), "counter" (c), "" (none), else the UOM as given',
  },

  agent_reports_dropped_total: { kind: 'counter', unit: 'count', labels: ['reason'], help: 'Reports the agent gave up on since it started: reason="spool_full" (oldest deleted from the on-disk spool at its bound while the collector was unreachable) or "rejected" (collector answered 400/401/413)' },
  agent_event_loop_delay_max_seconds: { kind: 'gauge', unit: 'seconds', labels: [], help: "Worst delay of the agent's own event loop since the previous report: the longest a report cycle's work held the loop, the most a scheduled run started late, or a heap compaction's pause (no sampling timer); 0 before start" },
  agent_cpu_seconds_total: { kind: 'counter', unit: 'seconds', labels: [], help: 'CPU time the agent process used (user + system) since it started' },
  agent_resident_memory_bytes: { kind: 'gauge', unit: 'bytes', labels: [], help: 'Resident set size of the agent process' },
} as const satisfies Record<string, MetricDefinition>;

/** The name of a catalogued metric. */
export type MetricName = keyof typeof METRIC_CATALOGUE;

/** True when `name` is a catalogued metric. */
export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRIC_CATALOGUE, name);
}
