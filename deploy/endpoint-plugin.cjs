// Points the Framework's own AWS calls (deploy, remove, info: its AWS SDK v2) at the endpoint
// named by AWS_ENDPOINT_URL, the variable the AWS CLI and SDK v3 already honour: a stand-in
// account such as moto_server (docs/deploy-stand-in.md). SDK v2 ignores that variable, and the
// Framework has no setting of its own for it; without the variable this plugin does nothing.
class AwsEndpointPlugin {
  constructor(serverless) {
    const endpoint = process.env.AWS_ENDPOINT_URL;
    if (!endpoint || serverless.service.provider.name !== 'aws') return;
    // A stand-in serves S3 on its one host: bucket names go in the path, not the host name.
    serverless.getProvider('aws').sdk.config.update({ endpoint, s3ForcePathStyle: true });
  }
}

module.exports = AwsEndpointPlugin;
