/**
 * The Compose service fields hearth has no counterpart for, each with the reason it is left out, and
 * the fields each kind of converted service does handle.
 */

/** Why a service field hearth has no counterpart for is left out. */
export const FIELD_REASONS: Readonly<Record<string, string>> = {
  container_name: 'hearth names its containers itself; other services reach this one by its service name',
  restart: 'hearth does not restart a service that stops; it reports it',
  networks:
    'hearth puts the services of an environment on one network, where each is reached by its service name',
  network_mode: 'hearth puts the services of an environment on one network of its own',
  hostname: "a hearth container's hostname is its service name",
  domainname: "a hearth container's hostname is its service name",
  links: 'services reach each other by service name on hearth’s network; link aliases are not carried over',
  external_links: 'hearth’s network holds only the services of the environment',
  extends: 'hearth does not follow extends: copy the fields this service needs into it',
  secrets: 'hearth mounts no secrets: give the service what it needs in environment',
  configs: 'hearth mounts no configs: bind-mount the file from the project instead (volumes)',
  user: 'hearth runs the image’s own user: set USER in a Dockerfile',
  working_dir: 'hearth runs in the image’s own working directory: set WORKDIR in a Dockerfile',
  labels: 'hearth labels its containers itself (dev.hearth.*)',
  logging: 'hearth reads the logs itself, with the engine’s default logging',
  extra_hosts: 'hearth adds no host entries',
  dns: 'hearth uses the engine’s DNS',
  dns_search: 'hearth uses the engine’s DNS',
  dns_opt: 'hearth uses the engine’s DNS',
  cap_add: 'hearth runs containers with the engine’s default capabilities',
  cap_drop: 'hearth runs containers with the engine’s default capabilities',
  privileged: 'hearth does not run privileged containers',
  security_opt: 'hearth runs containers with the engine’s default security options',
  tmpfs: 'hearth mounts volumes and folders only (the path stays in the container)',
  entrypoint:
    "hearth runs the image's own entrypoint: set ENTRYPOINT in a Dockerfile (build), or fold it into command",
  env_file:
    'hearth does not read env files (they may hold secrets): put the variables the service needs in env',
  deploy: 'hearth runs one instance with no resource limits',
  scale: 'hearth runs one instance',
  stop_signal: 'hearth stops a container with its image’s stop signal',
  stop_grace_period: 'hearth gives a container its own stop timeout',
  tty: 'hearth runs services without a terminal',
  stdin_open: 'hearth runs services without a terminal',
  platform: 'hearth runs images for the engine’s own platform',
  ulimits: 'hearth runs containers with the engine’s default limits',
  sysctls: 'hearth runs containers with the engine’s default kernel settings',
  devices: 'hearth passes no devices into containers',
  read_only: 'hearth runs containers with a writable root file system',
  volumes_from: 'hearth does not share one container’s volumes with another',
  annotations: 'hearth sets no annotations',
  pid: 'hearth runs each container in its own process namespace',
  ipc: 'hearth runs each container in its own IPC namespace',
  pull_policy: 'hearth pulls images that are missing, or as `pull` says',
  post_start: 'hearth runs no lifecycle hooks',
  pre_stop: 'hearth runs no lifecycle hooks',
}
const RESOURCE_FIELDS = [
  'cpus',
  'cpu_count',
  'cpu_percent',
  'cpu_shares',
  'cpu_period',
  'cpu_quota',
  'cpu_rt_runtime',
  'cpu_rt_period',
  'cpuset',
  'mem_limit',
  'mem_reservation',
  'mem_swappiness',
  'memswap_limit',
  'oom_kill_disable',
  'oom_score_adj',
  'pids_limit',
  'shm_size',
  'blkio_config',
]

/** The reason a field is left out: its own, the one for resource limits, or none known. */
export function fieldReason(key: string): string {
  return (
    FIELD_REASONS[key] ??
    (RESOURCE_FIELDS.includes(key)
      ? 'hearth runs containers without resource limits'
      : 'hearth has no equivalent')
  )
}

const COMMON_FIELDS = ['image', 'environment', 'depends_on', 'profiles', 'init', 'expose']
/** Fields a plain container converts. */
export const CONTAINER_FIELDS: ReadonlySet<string> = new Set([
  ...COMMON_FIELDS,
  'build',
  'pull_policy',
  'command',
  'ports',
  'volumes',
  'healthcheck',
  'develop',
  'env_file',
])
/** Fields a preset takes (or leaves out with a reason of its own). */
export const PRESET_FIELDS: ReadonlySet<string> = new Set([
  ...COMMON_FIELDS,
  'ports',
  'volumes',
  'healthcheck',
  'command',
  'pull_policy',
])
/** Fields a job converts (or lists with a reason of its own). */
export const JOB_FIELDS: ReadonlySet<string> = new Set([
  ...COMMON_FIELDS,
  'build',
  'command',
  'ports',
  'volumes',
  'healthcheck',
  'env_file',
])
