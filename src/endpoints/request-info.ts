// Parses a request path and method into kube-apiserver's RequestInfo: the verb, group, version,
// resource, subresource, namespace and name that authorization, admission and audit decide on.

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string; // get list watch create update patch delete deletecollection, or the lower-case HTTP method for non-resource
  apiPrefix: string; // 'api' | 'apis' | ''
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  parts: string[];
}

const namespacedSubresourceOfNamespaces = new Set(['status', 'finalize']);

export function parseRequestInfo(method: string, rawUrl: string): RequestInfo {
  const url = new URL(rawUrl, 'https://bulwark.invalid');
  const path = url.pathname;
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
  let parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0 || (parts[0] !== 'api' && parts[0] !== 'apis')) return info;
  info.apiPrefix = parts[0]!;
  parts = parts.slice(1);
  if (info.apiPrefix === 'apis') {
    if (parts.length < 3) {
      // /apis, /apis/<group>, /apis/<group>/<version>: discovery, not resources
      info.apiGroup = parts[0] ?? '';
      info.apiVersion = parts[1] ?? '';
      return info;
    }
    info.apiGroup = parts[0]!;
    parts = parts.slice(1);
  } else if (parts.length < 2) {
    info.apiVersion = parts[0] ?? '';
    return info;
  }
  info.apiVersion = parts[0]!;
  parts = parts.slice(1);

  info.isResourceRequest = true;
  let isWatchPath = false;
  if (parts[0] === 'watch') {
    isWatchPath = true;
    parts = parts.slice(1);
  }
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1]!;
      // /namespaces/<ns>/<resource>... unless it is /namespaces/<name>/status|finalize
      if (parts.length > 2 && !namespacedSubresourceOfNamespaces.has(parts[2]!)) {
        parts = parts.slice(2);
      }
    }
  }
  info.parts = parts;
  info.resource = parts[0] ?? '';
  info.name = parts[1] ?? '';
  info.subresource = parts[2] ?? '';
  if (info.resource === 'namespaces' && info.name) info.namespace = info.name;

  const query = url.searchParams;
  switch (method.toUpperCase()) {
    case 'POST':
      info.verb = 'create';
      break;
    case 'GET':
    case 'HEAD':
      info.verb = 'get';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = 'delete';
      break;
    default:
      info.verb = method.toLowerCase();
  }
  if (isWatchPath) {
    info.verb = 'watch';
  } else if (info.verb === 'get' && !info.name) {
    const w = query.get('watch');
    info.verb = w === 'true' || w === '1' ? 'watch' : 'list';
  } else if (info.verb === 'delete' && !info.name) {
    info.verb = 'deletecollection';
  }
  // a watch on a single named object is expressed as a list with a metadata.name field selector
  if (info.verb === 'watch' && info.name) {
    info.subresource = '';
  }
  return info;
}
