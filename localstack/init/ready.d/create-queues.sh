#!/bin/sh
# Generated from lib/saga/definition.ts by deploy/localstack-init.ts: do not edit, run
#   npx tsx deploy/localstack-init.ts --write
# Creates every saga queue and its dead-letter queue, with the attributes serverless.yml declares
# for stage "local" (mode a: functions in `sls offline`, queues here). The offline-sqs plugin
# creates the same queues idempotently, so the two never disagree.
set -eu
region=us-east-1
for step in reserve-stock charge-payment complete-order release-stock; do
  dlq="sagashop-local-${step}-dlq"
  awslocal --region "$region" sqs create-queue --queue-name "$dlq" --attributes MessageRetentionPeriod=1209600 >/dev/null
  dlq_arn=$(awslocal --region "$region" sqs get-queue-attributes \
    --queue-url "http://localhost:4566/000000000000/${dlq}" --attribute-names QueueArn --query Attributes.QueueArn --output text)
  awslocal --region "$region" sqs create-queue --queue-name "sagashop-local-${step}" --attributes \
    "{\"VisibilityTimeout\":\"60\",\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"${dlq_arn}\\\",\\\"maxReceiveCount\\\":5}\"}" >/dev/null
  echo "sagashop: queue sagashop-local-${step} with ${dlq}"
done
