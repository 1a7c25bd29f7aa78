// Captures the request bodies real kubectl binaries send (protobuf for typed clients since 1.32) with a
// throwaway HTTP apiserver, and checks that decoding each gives the object kubectl meant.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeKubernetesProtobuf, KUBERNETES_PROTOBUF } from './decode.js';
import { StatusError } from '../status.js';

const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
const BINARIES = ['kubectl.1.33', 'kubectl.1.32'];

// Decoded objects are walked freely in assertions; `any` stays inside this test file.
type Json = Record<string, any>;

interface Captured {
  method: string;
  path: string;
  contentType: string;
  body: Buffer;
}

const resource = (name: string, kind: string, namespaced: boolean, extra: Json = {}) => ({
  name,
  singularName: '',
  namespaced,
  kind,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  ...extra,
});

/** Just enough discovery for kubectl's RESTMapper to resolve the resources the commands below name. */
const DISCOVERY: Record<string, Json[]> = {
  '/api/v1': [
    resource('namespaces', 'Namespace', false, { shortNames: ['ns'] }),
    resource('pods', 'Pod', true, { shortNames: ['po'] }),
    resource('secrets', 'Secret', true),
    resource('configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
    resource('services', 'Service', true, { shortNames: ['svc'] }),
    resource('serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'] }),
    resource('serviceaccounts/token', 'TokenRequest', true, { group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }),
    resource('resourcequotas', 'ResourceQuota', true, { shortNames: ['quota'] }),
    resource('nodes', 'Node', false, { shortNames: ['no'] }),
  ],
  '/apis/apps/v1': [resource('deployments', 'Deployment', true, { shortNames: ['deploy'] })],
  '/apis/batch/v1': [resource('jobs', 'Job', true), resource('cronjobs', 'CronJob', true, { shortNames: ['cj'] })],
  '/apis/rbac.authorization.k8s.io/v1': [
    resource('roles', 'Role', true),
    resource('rolebindings', 'RoleBinding', true),
    resource('clusterroles', 'ClusterRole', false),
    resource('clusterrolebindings', 'ClusterRoleBinding', false),
  ],
  '/apis/certificates.k8s.io/v1': [
    resource('certificatesigningrequests', 'CertificateSigningRequest', false, { shortNames: ['csr'] }),
    resource('certificatesigningrequests/approval', 'CertificateSigningRequest', false, { verbs: ['update'] }),
  ],
  '/apis/authorization.k8s.io/v1': [
    resource('selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, { verbs: ['create'] }),
    resource('selfsubjectrulesreviews', 'SelfSubjectRulesReview', false, { verbs: ['create'] }),
  ],
  '/apis/authentication.k8s.io/v1': [resource('selfsubjectreviews', 'SelfSubjectReview', false, { verbs: ['create'] })],
};

const CSR = {
  kind: 'CertificateSigningRequest',
  apiVersion: 'certificates.k8s.io/v1',
  metadata: { name: 'csr1', uid: 'c5a1', resourceVersion: '7', creationTimestamp: '2024-01-02T03:04:05Z', labels: { team: 'a' } },
  spec: {
    request: Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n').toString('base64'),
    signerName: 'kubernetes.io/kube-apiserver-client',
    expirationSeconds: 3600,
    usages: ['digital signature', 'client auth'],
    username: 'bob',
    uid: 'bob-uid',
    groups: ['system:authenticated', 'devs'],
    extra: { 'scopes.example.com': ['read', 'write'] },
  },
  status: {},
};

/** What the fake server answers to a write, so that kubectl reports success. */
function reply(path: string, object: Json): Json {
  const namespace = /^\/api(?:s\/[^/]+)?\/v1\/namespaces\/([^/]+)\//.exec(path)?.[1];
  const metadata = { ...object.metadata, uid: 'u-1', resourceVersion: '1', creationTimestamp: '2024-01-02T03:04:05Z' };
  if (namespace && !path.endsWith('/token')) metadata.namespace = namespace;
  const out: Json = { ...object, metadata };
  if (path.endsWith('/token')) out.status = { token: 'fake-token', expirationTimestamp: '2030-01-01T00:00:00Z' };
  if (path.endsWith('/selfsubjectaccessreviews')) out.status = { allowed: true };
  if (path.endsWith('/selfsubjectrulesreviews')) {
    out.status = { resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], nonResourceRules: [], incomplete: false };
  }
  if (path.endsWith('/selfsubjectreviews')) out.status = { userInfo: { username: 'alice', groups: ['devs'] } };
  return out;
}

function bodyObject(request: Captured): Json {
  if (request.contentType.startsWith(KUBERNETES_PROTOBUF)) return decodeKubernetesProtobuf(request.body).object;
  return JSON.parse(request.body.toString('utf8')) as Json;
}

class FakeApiserver {
  readonly writes: Captured[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const send = (code: number, body: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const body = Buffer.concat(chunks);
      if (req.method === 'GET') {
        if (path === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
        if (path === '/apis') {
          const groups = Object.keys(DISCOVERY)
            .filter((p) => p.startsWith('/apis/'))
            .map((p) => {
              const [, , name, version] = p.split('/');
              const gv = { groupVersion: `${name}/${version}`, version };
              return { name, versions: [gv], preferredVersion: gv };
            });
          return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
        }
        if (DISCOVERY[path]) return send(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: path.replace(/^\/apis?\//, ''), resources: DISCOVERY[path] });
        if (path === '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr1') return send(200, CSR);
      }
      if (body.length > 0 && (req.method === 'POST' || req.method === 'PUT')) {
        const captured = { method: req.method, path, contentType: String(req.headers['content-type'] ?? ''), body };
        this.writes.push(captured);
        try {
          return send(req.method === 'POST' ? 201 : 200, reply(path, bodyObject(captured)));
        } catch (err) {
          if (err instanceof StatusError) return send(err.code, err.toStatus());
          return send(400, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 400, reason: 'BadRequest', message: String(err) });
        }
      }
      send(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: `${path} not found` });
    });
  }
}

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

for (const binary of BINARIES) {
  const bin = join(KUBECTL_DIR, binary);
  describe(`request bodies sent by ${binary}`, { skip: !existsSync(bin) && `${bin} is not installed` }, () => {
    const server = new FakeApiserver();
    let home = '';

    before(async () => {
      await server.start();
      home = mkdtempSync(join(tmpdir(), 'bulwark-protobuf-'));
      writeFileSync(join(home, 'kubeconfig'), '');
      writeFileSync(join(home, 'blob.bin'), Buffer.from([0, 1, 2, 0xfe, 0xff]));
    });
    after(async () => {
      await server.close();
      rmSync(home, { recursive: true, force: true });
    });

    function kubectl(args: string[]): Promise<Run> {
      const flags = ['--server', server.url, '--cache-dir', join(home, 'cache'), '--request-timeout=10s'];
      const env = { PATH: process.env.PATH ?? '', HOME: home, KUBECONFIG: join(home, 'kubeconfig') };
      return new Promise((resolve) => {
        execFile(bin, [...flags, ...args], { env, timeout: 20_000 }, (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ stdout, stderr, code });
        });
      });
    }

    /** Runs a command and returns the write requests it made. */
    async function writesOf(args: string[]): Promise<{ run: Run; writes: Captured[] }> {
      server.writes.length = 0;
      const run = await kubectl(args);
      return { run, writes: [...server.writes] };
    }

    /** Runs a command that makes exactly one write and returns that request and its decoded object. */
    async function sent(args: string[]): Promise<{ run: Run; request: Captured; object: Json }> {
      const { run, writes } = await writesOf(args);
      assert.equal(writes.length, 1, `kubectl ${args.join(' ')} made ${writes.length} writes; stderr: ${run.stderr}`);
      const request = writes[0];
      return { run, request, object: bodyObject(request) };
    }

    const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
    const creates: { args: string[]; check: (o: Json) => void }[] = [
      { args: ['create', 'namespace', 'demo'], check: (o) => assert.equal(o.metadata.name, 'demo') },
      {
        args: ['create', 'secret', 'generic', 'db', '--from-literal=password=s3cr3t', '--type=Opaque'],
        check: (o) => {
          assert.deepEqual(o.data, { password: b64('s3cr3t') });
          assert.equal(o.type, 'Opaque');
        },
      },
      {
        args: ['create', 'secret', 'docker-registry', 'reg', '--docker-server=r.example', '--docker-username=u', '--docker-password=p'],
        check: (o) => {
          assert.equal(o.type, 'kubernetes.io/dockerconfigjson');
          assert.equal(JSON.parse(Buffer.from(o.data['.dockerconfigjson'], 'base64').toString()).auths['r.example'].password, 'p');
        },
      },
      {
        args: ['create', 'configmap', 'settings', '--from-literal=mode=fast', '--from-file=blob=BLOB'],
        check: (o) => {
          assert.deepEqual(o.data, { mode: 'fast' });
          assert.deepEqual(o.binaryData, { blob: b64(Buffer.from([0, 1, 2, 0xfe, 0xff])) });
        },
      },
      {
        args: ['create', 'deployment', 'web', '--image=nginx', '--replicas=0', '--port=8080'],
        check: (o) => {
          assert.equal(o.spec.replicas, 0);
          assert.deepEqual(o.spec.selector, { matchLabels: { app: 'web' } });
          assert.deepEqual(o.spec.template.spec.containers[0].ports, [{ containerPort: 8080 }]);
        },
      },
      {
        args: ['create', 'service', 'clusterip', 's', '--tcp=80:8080'],
        check: (o) => assert.deepEqual(o.spec.ports, [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }]),
      },
      {
        args: ['create', 'service', 'nodeport', 'np', '--tcp=80:http', '--node-port=30080'],
        check: (o) => {
          assert.equal(o.spec.ports[0].targetPort, 'http');
          assert.equal(o.spec.ports[0].nodePort, 30080);
          assert.equal(o.spec.type, 'NodePort');
        },
      },
      {
        args: ['create', 'job', 'j', '--image=busybox', '--', 'echo', 'hi'],
        check: (o) => {
          assert.deepEqual(o.spec.template.spec.containers[0].command, ['echo', 'hi']);
          assert.equal(o.spec.template.spec.restartPolicy, 'Never');
        },
      },
      {
        args: ['create', 'cronjob', 'cj', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'],
        check: (o) => {
          assert.equal(o.spec.schedule, '*/5 * * * *');
          assert.equal(o.spec.jobTemplate.spec.template.spec.restartPolicy, 'OnFailure');
        },
      },
      {
        args: ['create', 'role', 'r', '--verb=get,list', '--resource=pods,deployments.apps', '--resource-name=web'],
        check: (o) =>
          assert.deepEqual(o.rules, [
            { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'], resourceNames: ['web'] },
            { verbs: ['get', 'list'], apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'] },
          ]),
      },
      {
        args: ['create', 'rolebinding', 'rb', '--role=r', '--user=alice', '--serviceaccount=default:sa'],
        check: (o) => {
          assert.deepEqual(o.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' });
          assert.deepEqual(o.subjects[1], { kind: 'ServiceAccount', name: 'sa', namespace: 'default' });
        },
      },
      {
        args: ['create', 'clusterrole', 'cr', '--verb=get', '--resource=nodes', '--non-resource-url=/healthz'],
        check: (o) => assert.deepEqual(o.rules[1], { verbs: ['get'], nonResourceURLs: ['/healthz'] }),
      },
      {
        args: ['create', 'clusterrolebinding', 'crb', '--clusterrole=cr', '--group=devs'],
        check: (o) => assert.deepEqual(o.subjects, [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' }]),
      },
      { args: ['create', 'serviceaccount', 'builder'], check: (o) => assert.equal(o.metadata.name, 'builder') },
      {
        args: ['create', 'quota', 'q', '--hard=pods=10,cpu=1,memory=1Gi', '--scopes=NotTerminating'],
        check: (o) => {
          assert.deepEqual(o.spec.hard, { pods: '10', cpu: '1', memory: '1Gi' });
          assert.deepEqual(o.spec.scopes, ['NotTerminating']);
        },
      },
      {
        // kubectl run (1.33) still sends JSON; decoding follows whichever encoding arrives.
        args: ['run', 'p', '--image=nginx', '--labels=a=b', '--env=X=1', '--port=80'],
        check: (o) => {
          assert.deepEqual(o.metadata.labels, { a: 'b' });
          assert.deepEqual(o.spec.containers[0].env, [{ name: 'X', value: '1' }]);
          assert.deepEqual(o.spec.containers[0].ports, [{ containerPort: 80 }]);
        },
      },
    ];

    for (const { args: template, check } of creates) {
      it(`kubectl ${template.join(' ')} decodes to the object kubectl prints for --dry-run=client -o json`, async () => {
        const args = template.map((a) => a.replace('BLOB', join(home, 'blob.bin')));
        const split = args.includes('--') ? args.indexOf('--') : args.length;
        const dryRun = await kubectl([...args.slice(0, split), '--dry-run=client', '-o', 'json', ...args.slice(split)]);
        assert.equal(dryRun.code, 0, dryRun.stderr);
        const { run, request, object } = await sent(args);
        if (args[0] === 'create') assert.equal(request.contentType, KUBERNETES_PROTOBUF, 'typed create commands send protobuf');
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(object, JSON.parse(dryRun.stdout));
        check(object);
      });
    }

    it('kubectl create token: TokenRequest with audiences, duration and a bound object', async () => {
      const args = ['create', 'token', 'default', '--audience=api', '--duration=10m', '--bound-object-kind=Pod', '--bound-object-name=p1', '--bound-object-uid=0f1e'];
      const { run, request, object } = await sent(args);
      assert.equal(request.path, '/api/v1/namespaces/default/serviceaccounts/default/token');
      assert.equal(request.contentType, KUBERNETES_PROTOBUF);
      assert.equal(object.kind, 'TokenRequest');
      assert.equal(object.apiVersion, 'authentication.k8s.io/v1');
      assert.deepEqual(object.spec, { audiences: ['api'], expirationSeconds: 600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1', uid: '0f1e' } });
      assert.equal(run.stdout.trim(), 'fake-token');
    });

    it('kubectl auth can-i: SelfSubjectAccessReview', async () => {
      const { run, request, object } = await sent(['auth', 'can-i', 'list', 'secrets', '--namespace', 'kube-system']);
      assert.equal(request.path, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
      assert.equal(request.contentType, KUBERNETES_PROTOBUF);
      assert.equal(object.kind, 'SelfSubjectAccessReview');
      assert.deepEqual(object.spec, { resourceAttributes: { namespace: 'kube-system', verb: 'list', resource: 'secrets' } });
      assert.equal(run.stdout.trim(), 'yes');
    });

    it('kubectl auth can-i --list: SelfSubjectRulesReview', async () => {
      const { run, request, object } = await sent(['auth', 'can-i', '--list', '--namespace', 'team']);
      assert.equal(request.contentType, KUBERNETES_PROTOBUF);
      assert.equal(object.kind, 'SelfSubjectRulesReview');
      assert.deepEqual(object.spec, { namespace: 'team' });
      assert.match(run.stdout, /pods/);
    });

    it('kubectl auth whoami: SelfSubjectReview', async () => {
      const { run, request, object } = await sent(['auth', 'whoami', '-o', 'json']);
      assert.equal(request.path, '/apis/authentication.k8s.io/v1/selfsubjectreviews');
      assert.equal(request.contentType, KUBERNETES_PROTOBUF);
      assert.equal(object.kind, 'SelfSubjectReview');
      assert.equal(object.apiVersion, 'authentication.k8s.io/v1');
      assert.equal(JSON.parse(run.stdout).status.userInfo.username, 'alice');
    });

    for (const [verb, type] of [['approve', 'Approved'], ['deny', 'Denied']] as const) {
      it(`kubectl certificate ${verb}: the CSR comes back intact with a ${type} condition`, async () => {
        const { run, request, object } = await sent(['certificate', verb, 'csr1']);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(request.method, 'PUT');
        assert.equal(request.path, '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr1/approval');
        assert.equal(request.contentType, KUBERNETES_PROTOBUF);
        assert.deepEqual(object.metadata, CSR.metadata);
        assert.deepEqual(object.spec, CSR.spec);
        assert.equal(object.status.conditions.length, 1);
        const condition = object.status.conditions[0];
        assert.equal(condition.type, type);
        assert.equal(condition.status, 'True');
        assert.match(condition.reason, /^Kubectl/);
        assert.match(condition.lastUpdateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      });
    }
  });
}
