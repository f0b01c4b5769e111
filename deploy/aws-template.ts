// The parts of the AWS template that depend on the stage's parameters: the functions' VPC, the
// VPC endpoints they need there, the one IAM statement that lets them read the Redis token, and
// the API's throttling.

export interface AwsTemplateInput {
  /** Name of the SSM SecureString holding the Redis AUTH token; undefined for a Redis without AUTH. */
  authParameter?: string;
  /** Only for a SecureString encrypted with a customer-managed key (the default aws/ssm key needs no grant). */
  kmsKeyArn?: string;
  vpcId: string;
  subnetIds: string[];
  /** The interface endpoints' subnets (one per Availability Zone); empty: the first of subnetIds. */
  endpointSubnetIds?: string[];
  securityGroupIds: string[];
  createVpcEndpoints: boolean;
  rateLimit: number;
  burstLimit: number;
}

const sub = (text: string) => ({ 'Fn::Sub': text });

/** The ARN of an SSM parameter: a hierarchical name's leading "/" is not repeated after "parameter". */
export const ssmParameterArn = (name: string) =>
  sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${name.replace(/^\//, '')}`);

function tokenAccess(input: AwsTemplateInput): unknown[] {
  if (!input.authParameter) return [];
  const statements: unknown[] = [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: ssmParameterArn(input.authParameter) }];
  if (input.kmsKeyArn) {
    statements.push({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: input.kmsKeyArn,
      Condition: { StringEquals: { 'kms:ViaService': sub('ssm.${AWS::Region}.amazonaws.com') } },
    });
  }
  return statements;
}

/**
 * What Lambda needs of a function's own role to attach it to the VPC: AWSLambdaVPCAccessExecution
 * Role's network-interface rights, written out, without that policy's log rights on every log
 * group (each role keeps the rights on its own log group). EC2 scopes none of these by resource
 * in a way Lambda's checks accept, so the resource is "*", as in AWS's own policy.
 */
export const NETWORK_INTERFACE_RIGHTS = {
  Effect: 'Allow',
  Action: [
    'ec2:CreateNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSubnets',
    'ec2:DeleteNetworkInterface',
    'ec2:AssignPrivateIpAddresses',
    'ec2:UnassignPrivateIpAddresses',
  ],
  Resource: '*',
};

/** An interface endpoint takes at most one subnet per Availability Zone, which subnet ids alone do
 * not tell: without endpointSubnetIds it gets the first function subnet (always valid, one zone). */
export const endpointSubnetsOf = (input: AwsTemplateInput) =>
  input.endpointSubnetIds?.length ? input.endpointSubnetIds : input.subnetIds.slice(0, 1);

// Inside a VPC the functions reach SQS (and SSM, for the token) only through interface endpoints
// or a NAT. The endpoints here get their own security group that lets in HTTPS from the functions'
// group only. A VPC already holding endpoints for these services (only one per service may have
// private DNS) or routing through a NAT sets createVpcEndpoints=false.
function vpcEndpoints(input: AwsTemplateInput): Record<string, unknown> {
  if (!input.createVpcEndpoints) return {};
  const endpoint = (service: string) => ({
    Type: 'AWS::EC2::VPCEndpoint',
    Properties: {
      ServiceName: sub(`com.amazonaws.\${AWS::Region}.${service}`),
      VpcEndpointType: 'Interface',
      VpcId: input.vpcId,
      SubnetIds: endpointSubnetsOf(input),
      SecurityGroupIds: [{ Ref: 'VpcEndpointSecurityGroup' }],
      PrivateDnsEnabled: true,
    },
  });
  return {
    FunctionSecurityGroup: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupDescription: 'sagashop functions (may reach the VPC endpoints)',
        VpcId: input.vpcId,
      },
    },
    VpcEndpointSecurityGroup: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupDescription: 'sagashop VPC endpoints: HTTPS from the functions only',
        VpcId: input.vpcId,
        SecurityGroupIngress: [
          {
            IpProtocol: 'tcp',
            FromPort: 443,
            ToPort: 443,
            SourceSecurityGroupId: { Ref: 'FunctionSecurityGroup' },
          },
        ],
      },
    },
    SqsVpcEndpoint: endpoint('sqs'),
    ...(input.authParameter ? { SsmVpcEndpoint: endpoint('ssm') } : {}),
  };
}

export function awsTemplateParts(input: AwsTemplateInput) {
  const ownGroup = input.createVpcEndpoints ? [{ Ref: 'FunctionSecurityGroup' }] : [];
  return {
    vpc: { securityGroupIds: [...ownGroup, ...input.securityGroupIds], subnetIds: input.subnetIds },
    iamStatements: [...tokenAccess(input), NETWORK_INTERFACE_RIGHTS],
    resources: {
      Resources: vpcEndpoints(input),
      extensions: {
        // Every route of the public API shares these limits; the batch_init routes, when turned
        // on, get far tighter ones (deploy/stage-plugin.ts adds them per route).
        HttpApiStage: {
          Properties: {
            DefaultRouteSettings: {
              DetailedMetricsEnabled: false,
              ThrottlingRateLimit: input.rateLimit,
              ThrottlingBurstLimit: input.burstLimit,
            },
          },
        },
      },
    },
  };
}
