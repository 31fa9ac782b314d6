/** Test helpers of @rollouts/plugin-aws: a moto (AWS emulator) server per test file. */
export { describeWithMoto, motoServerPath, startMotoServer } from './MotoServer';
export type { MotoHandle, MotoServer, MotoServerOptions } from './MotoServer';
export { ANY_KEYS, awsQuery, createIamUser, createVpc, TEST_REGION, xmlValue } from './AwsQuery';
