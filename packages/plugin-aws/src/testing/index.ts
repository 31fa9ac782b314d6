/** Test helpers of @rollouts/plugin-aws: a moto (AWS emulator) server per test file. */
export { describeWithMoto, motoServerPath, startMotoServer } from './MotoServer';
export type { DescribeWithMotoOptions, MotoHandle, MotoServer, MotoServerOptions, TestGlobals } from './MotoServer';
export { ANY_KEYS, awsQuery, createIamUser, createRole, createVpc, TEST_REGION, xmlValue } from './AwsQuery';
