import { App } from 'aws-cdk-lib';
import { addLockerStacks } from '#infra/stacks/locker-app';

// `cdk synth` / `cdk deploy` run this file (cdk.json). Stage and options come from context flags:
// `-c stage=prod`, `-c allowOrigins=https://app.example.com`. cdk-nag findings fail app.synth().
const app = new App();
addLockerStacks(app);
app.synth();
