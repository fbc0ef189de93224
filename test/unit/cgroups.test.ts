import assert from 'node:assert/strict';
import { locateHierarchies } from '@aerostack/registry/gateway/runtime/sandbox/cgroups.js';

const mount = (id: number, root: string, point: string, fstype: string, superOptions: string) =>
  `${id} 20 0:${id} ${root} ${point} rw,nosuid,nodev,noexec,relatime shared:${id} - ${fstype} ${fstype} ${superOptions}`;

describe('locateHierarchies: where this process’s cgroups are', () => {
  it('cgroup v1 (this machine’s kind): memory, pids and cpu, even with cpu mounted beside cpuacct', () => {
    const mountinfo = [
      mount(30, '/', '/sys/fs/cgroup/cpu,cpuacct', 'cgroup', 'rw,cpu,cpuacct'),
      mount(31, '/', '/sys/fs/cgroup/memory', 'cgroup', 'rw,memory'),
      mount(32, '/', '/sys/fs/cgroup/pids', 'cgroup', 'rw,pids'),
      mount(33, '/', '/sys/fs/cgroup/unified', 'cgroup2', 'rw'),
      mount(34, '/', '/', 'ext4', 'rw'),
    ].join('\n');
    const membership = ['8:pids:/', '4:memory:/process_api/05ea', '2:cpu,cpuacct:/', '0::/'].join('\n');
    assert.deepEqual(locateHierarchies(mountinfo, membership), [
      { version: 1, controllers: ['memory'], dir: '/sys/fs/cgroup/memory/process_api/05ea' },
      { version: 1, controllers: ['pids'], dir: '/sys/fs/cgroup/pids' },
      { version: 1, controllers: ['cpu'], dir: '/sys/fs/cgroup/cpu,cpuacct' },
    ]);
  });

  it('cgroup v2: one unified hierarchy, at this process’s own group', () => {
    const mountinfo = mount(30, '/', '/sys/fs/cgroup', 'cgroup2', 'rw,nsdelegate,memory_recursiveprot');
    assert.deepEqual(locateHierarchies(mountinfo, '0::/system.slice/aerostack.service\n'), [
      { version: 2, controllers: ['memory', 'pids', 'cpu'], dir: '/sys/fs/cgroup/system.slice/aerostack.service' },
    ]);
  });

  it('a container that sees only part of the hierarchy (mount root is not /)', () => {
    const mountinfo = mount(30, '/docker/abc', '/sys/fs/cgroup', 'cgroup2', 'rw');
    assert.deepEqual(locateHierarchies(mountinfo, '0::/docker/abc/app\n'), [
      { version: 2, controllers: ['memory', 'pids', 'cpu'], dir: '/sys/fs/cgroup/app' },
    ]);
  });

  it('nothing to use: no cgroup mounted, or v1 without the memory controller and no v2', () => {
    assert.deepEqual(locateHierarchies(mount(34, '/', '/', 'ext4', 'rw'), '0::/\n'), []);
    assert.deepEqual(locateHierarchies(mount(32, '/', '/sys/fs/cgroup/pids', 'cgroup', 'rw,pids'), '8:pids:/\n'), []);
  });
});
