/**
 * Test support: AWS Query-protocol calls (EC2, IAM, ELBv2) to moto through this package's own SigV4 signer, for
 * setting up what the SDK clients this package depends on cannot create (VPCs, IAM users). Not a fake: it talks
 * to the moto server the test started.
 */
import * as E from 'fp-ts/lib/Either';
import { createSigV4Signer } from '../SigV4Signer';
import type { AwsCredentialIdentity } from '../AwsSettings';

export const TEST_REGION = 'eu-west-1';
/** moto accepts any key while IAM checks are off. */
export const ANY_KEYS: AwsCredentialIdentity = { accessKeyId: 'AKIDEXAMPLEMOTO00001', secretAccessKey: 'not-a-secret-moto-only' };

const VERSIONS: Readonly<Record<string, string>> = { ec2: '2016-11-15', iam: '2010-05-08', elasticloadbalancing: '2015-12-01', sts: '2011-06-15' };

/** POST a Query action; returns the XML body, throws with AWS's answer on a non-2xx status. */
export async function awsQuery(endpoint: string, service: string, params: Record<string, string>, credentials: AwsCredentialIdentity = ANY_KEYS): Promise<string> {
  const signer = createSigV4Signer({ service, region: service === 'iam' ? 'us-east-1' : TEST_REGION, credentials, env: {} });
  if (E.isLeft(signer)) throw new Error(signer.left.message);
  const body = new URLSearchParams({ ...params, Version: VERSIONS[service] ?? '' }).toString();
  const url = `${endpoint}/`;
  const headers = await signer.right({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body })();
  if (E.isLeft(headers)) throw new Error(headers.left.message);
  const res = await fetch(url, { method: 'POST', headers: headers.right, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${service} ${params['Action']}: ${res.status} ${text}`);
  return text;
}

/** The text of the first `<tag>` in `xml`. */
export const xmlValue = (xml: string, tag: string): string => {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  if (m?.[1] === undefined) throw new Error(`no <${tag}> in ${xml.slice(0, 300)}`);
  return m[1];
};

/** A VPC with two subnets in two zones (what an ALB needs). */
export async function createVpc(endpoint: string): Promise<{ vpcId: string; subnets: [string, string] }> {
  const vpcId = xmlValue(await awsQuery(endpoint, 'ec2', { Action: 'CreateVpc', CidrBlock: '10.0.0.0/16' }), 'vpcId');
  const subnet = async (cidr: string, az: string) => xmlValue(await awsQuery(endpoint, 'ec2', { Action: 'CreateSubnet', VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: az }), 'subnetId');
  return { vpcId, subnets: [await subnet('10.0.1.0/24', `${TEST_REGION}a`), await subnet('10.0.2.0/24', `${TEST_REGION}b`)] };
}

/** An IAM user with an access key and an inline policy allowing `actions` (3 IAM requests). */
export async function createIamUser(endpoint: string, name: string, actions: readonly string[]): Promise<AwsCredentialIdentity> {
  await awsQuery(endpoint, 'iam', { Action: 'CreateUser', UserName: name });
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });
  await awsQuery(endpoint, 'iam', { Action: 'PutUserPolicy', UserName: name, PolicyName: 'rollouts', PolicyDocument: policy });
  const key = await awsQuery(endpoint, 'iam', { Action: 'CreateAccessKey', UserName: name });
  return { accessKeyId: xmlValue(key, 'AccessKeyId'), secretAccessKey: xmlValue(key, 'SecretAccessKey') };
}

/** An IAM role `principal` (an ARN) may assume, allowed `actions` (2 IAM requests). Returns its ARN. */
export async function createRole(endpoint: string, name: string, principal: string, actions: readonly string[]): Promise<string> {
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }] });
  const arn = xmlValue(await awsQuery(endpoint, 'iam', { Action: 'CreateRole', RoleName: name, AssumeRolePolicyDocument: trust }), 'Arn');
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });
  await awsQuery(endpoint, 'iam', { Action: 'PutRolePolicy', RoleName: name, PolicyName: 'rollouts', PolicyDocument: policy });
  return arn;
}
