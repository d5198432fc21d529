import { describe, expect, it } from 'vitest';
import { matchesPattern } from '#events/match.ts';

/** The EventBridge content-filtering rules the matcher implements (and the local cloud relies on). */
const event = {
  source: 'aws.autoscaling',
  'detail-type': 'EC2 Instance-terminate Lifecycle Action',
  region: 'us-east-1',
  resources: ['arn:a', 'arn:b'],
  detail: { group: 'web-hosts', count: 7, flag: false, nothing: null, ip: '10.0.1.25', tags: ['x', 'y'] },
};

describe('matchesPattern', () => {
  it.each([
    ['exact string values', { source: ['aws.autoscaling'] }, true],
    ['a value not in the list', { source: ['aws.ec2'] }, false],
    ['camelCase detailType from a CDK pattern', { detailType: ['EC2 Instance-terminate Lifecycle Action'] }, true],
    ['any element of an array field', { resources: ['arn:b'] }, true],
    ['nested detail fields', { detail: { group: ['web-hosts'] } }, true],
    ['a nested field that does not match', { detail: { group: ['worker-hosts'] } }, false],
    ['numbers and booleans exactly', { detail: { count: [7], flag: [false] } }, true],
    ['null', { detail: { nothing: [null] } }, true],
    ['prefix', { detail: { group: [{ prefix: 'web-' }] } }, true],
    ['prefix that does not match', { detail: { group: [{ prefix: 'worker' }] } }, false],
    ['suffix', { detail: { group: [{ suffix: '-hosts' }] } }, true],
    ['equals-ignore-case', { detail: { group: [{ 'equals-ignore-case': 'WEB-HOSTS' }] } }, true],
    ['anything-but a value', { detail: { group: [{ 'anything-but': 'web-hosts' }] } }, false],
    ['anything-but a list', { detail: { group: [{ 'anything-but': ['a', 'b'] }] } }, true],
    ['anything-but a prefix', { detail: { group: [{ 'anything-but': { prefix: 'web' } }] } }, false],
    ['exists true on a present field', { detail: { group: [{ exists: true }] } }, true],
    ['exists true on an absent field', { detail: { missing: [{ exists: true }] } }, false],
    ['exists false on an absent field', { detail: { missing: [{ exists: false }] } }, true],
    ['exists false on a present field', { detail: { group: [{ exists: false }] } }, false],
    ['numeric range', { detail: { count: [{ numeric: ['>', 5, '<=', 7] }] } }, true],
    ['numeric range that excludes', { detail: { count: [{ numeric: ['>=', 8] }] } }, false],
    ['numeric equality', { detail: { count: [{ numeric: ['=', 7] }] } }, true],
    ['numeric on a string', { detail: { group: [{ numeric: ['>', 0] }] } }, false],
    ['wildcard', { detail: { group: [{ wildcard: 'w*-h*s' }] } }, true],
    ['cidr', { detail: { ip: [{ cidr: '10.0.0.0/16' }] } }, true],
    ['cidr outside', { detail: { ip: [{ cidr: '10.1.0.0/16' }] } }, false],
    ['$or of alternatives', { $or: [{ source: ['aws.ec2'] }, { detail: { count: [7] } }] }, true],
    ['$or with no match', { $or: [{ source: ['aws.ec2'] }, { detail: { count: [8] } }] }, false],
    ['a field absent from the event', { account: ['123456789012'] }, false],
    ['anything-but on an absent field', { account: [{ 'anything-but': 'x' }] }, false],
    ['every field of the pattern (AND)', { source: ['aws.autoscaling'], region: ['eu-west-1'] }, false],
  ])('handles %s', (_name, pattern, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });

  it('rejects a malformed pattern instead of guessing', () => {
    expect(() => matchesPattern({ source: 'aws.ec2' } as never, event)).toThrow(/must be an array/);
  });
});
