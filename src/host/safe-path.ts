/**
 * Paths built from names that arrive from outside (workflow input, manifests, CLI flags): each name must be a DNS
 * label (namespaces) or an RFC 1123 subdomain (object names), as Kubernetes requires, so it can never be `..`, hold
 * a `/` or be empty. A name that is not is refused with the field named, before any file is touched.
 */
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** One path segment taken from a name, with the field it came from (for the error). */
export interface NameSegment {
  field: string;
  value: string;
  rule: 'label' | 'subdomain';
}

/** A namespace, or any other name Kubernetes keeps to a DNS label (at most 63 characters). */
export function dnsLabel(field: string, value: string): NameSegment {
  return { field, value, rule: 'label' };
}

/** An object name: an RFC 1123 subdomain (at most 253 characters). */
export function dnsSubdomain(field: string, value: string): NameSegment {
  return { field, value, rule: 'subdomain' };
}

export function checkName(segment: NameSegment): string {
  const { field, value, rule } = segment;
  const valid = typeof value === 'string' && (rule === 'label' ? value.length <= 63 && DNS_LABEL.test(value) : value.length <= 253 && DNS_SUBDOMAIN.test(value));
  if (!valid) {
    const expected =
      rule === 'label'
        ? "a lowercase RFC 1123 label (letters a-z, digits and '-', starting and ending with a letter or digit, at most 63 characters)"
        : "a lowercase RFC 1123 name (letters a-z, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters)";
    // Non-retryable when thrown inside an activity: the same input fails the same way on every attempt.
    throw ApplicationFailure.create({ message: `invalid ${field} ${JSON.stringify(value)}: must be ${expected}`, type: 'InvalidName', nonRetryable: true });
  }
  return value;
}

/** `root/<name>/<name>...`, every name checked first; the result is always inside `root`. */
export function pathUnder(root: string, ...names: NameSegment[]): string {
  return path.join(root, ...names.map(checkName));
}
