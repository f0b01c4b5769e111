"""The stand-in AWS account's side of test/deploy/stand-in-account.test.ts, through boto3 (which
comes with moto): what an operator creates before a deploy, what the account holds after it, and
what is left after `serverless remove`. Every answer is one JSON document on stdout.

  stand-in-account.py prepare <endpoint> <stage> <redis-token>
  stand-in-account.py deployed <endpoint> <stage> <zip-folder>
  stand-in-account.py leftovers <endpoint> <stage>
"""
import base64
import hashlib
import json
import os
import sys
from urllib.parse import urlparse

import boto3

REGION = "us-east-1"


def client(endpoint, service):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id="standin", aws_secret_access_key="standin")


def prepare(endpoint, stage, token):
    """The README's prerequisites: a VPC with DNS on, private subnets in two zones, the cache's
    security group, and the Redis AUTH token as an SSM SecureString. The ids are the account's."""
    ec2 = client(endpoint, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]
        for index, zone in enumerate("ab", start=1)
    ]
    group = ec2.create_security_group(VpcId=vpc, GroupName=f"sagashop-{stage}-cache", Description="the cache lets these in")["GroupId"]
    parameter = f"/sagashop/{stage}/redis-auth"
    client(endpoint, "ssm").put_parameter(Name=parameter, Type="SecureString", Value=token)
    return {"vpcId": vpc, "subnetIds": ",".join(subnets), "securityGroupIds": group, "redisAuthParameter": parameter}


def stack_of(endpoint, stage):
    stacks = client(endpoint, "cloudformation").describe_stacks()["Stacks"]
    return next((stack for stack in stacks if stack["StackName"] == f"sagashop-{stage}" and stack["StackStatus"] != "DELETE_COMPLETE"), None)


def deployed(endpoint, stage, folder):
    """Each deployed function as Lambda holds it: its configuration, and its code fetched from the
    deployment bucket at the key GetFunction names, checked against Lambda's CodeSha256. Then the
    event source mappings with their queues' URLs, and the schedules with their targets."""
    cloudformation, lambda_, s3, sqs, events = (client(endpoint, name) for name in ("cloudformation", "lambda", "s3", "sqs", "events"))
    stack = stack_of(endpoint, stage)
    resources = cloudformation.list_stack_resources(StackName=stack["StackName"])["StackResourceSummaries"]
    bucket = next(r["PhysicalResourceId"] for r in resources if r["LogicalResourceId"] == "ServerlessDeploymentBucket")
    prefix = f"sagashop-{stage}-"
    functions = {}
    for page in lambda_.get_paginator("list_functions").paginate():
        for summary in page["Functions"]:
            if not summary["FunctionName"].startswith(prefix):
                continue
            answer = lambda_.get_function(FunctionName=summary["FunctionName"])
            config = answer["Configuration"]
            key = urlparse(answer["Code"]["Location"]).path.lstrip("/")
            code = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            if base64.b64encode(hashlib.sha256(code).digest()).decode() != config["CodeSha256"]:
                raise SystemExit(f"{summary['FunctionName']}: s3://{bucket}/{key} is not the code Lambda holds")
            name = summary["FunctionName"][len(prefix):]
            with open(os.path.join(folder, f"{name}.zip"), "wb") as out:
                out.write(code)
            functions[name] = {
                "FunctionName": config["FunctionName"],
                "FunctionArn": config["FunctionArn"],
                "Handler": config["Handler"],
                "Runtime": config["Runtime"],
                "Timeout": config["Timeout"],
                "MemorySize": config["MemorySize"],
                "Variables": config.get("Environment", {}).get("Variables", {}),
                "VpcConfig": config.get("VpcConfig", {}),
            }
    mappings = []
    for mapping in lambda_.list_event_source_mappings()["EventSourceMappings"]:
        queue = mapping["EventSourceArn"].split(":")[-1]
        mappings.append({
            "function": mapping["FunctionArn"].split(":")[-1][len(prefix):],
            "queueArn": mapping["EventSourceArn"],
            "queueUrl": sqs.get_queue_url(QueueName=queue)["QueueUrl"],
            "batchSize": mapping["BatchSize"],
            "state": mapping["State"],
            "responseTypes": mapping.get("FunctionResponseTypes", []),
        })
    schedules = []
    for rule in events.list_rules()["Rules"]:
        if not rule["Name"].startswith(prefix) or "ScheduleExpression" not in rule:
            continue
        for target in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]:
            schedules.append({"ruleArn": rule["Arn"], "expression": rule["ScheduleExpression"], "function": target["Arn"].split(":")[-1][len(prefix):]})
    # The template's resources the account made nothing for: types moto accepts but does not model.
    template = cloudformation.get_template(StackName=stack["StackName"])["TemplateBody"]
    modelled = {r["LogicalResourceId"] for r in resources if r["PhysicalResourceId"]}
    unmodelled = {}
    for logical_id, resource in template["Resources"].items():
        if logical_id not in modelled:
            unmodelled[resource["Type"]] = unmodelled.get(resource["Type"], 0) + 1
    return {
        "stackStatus": stack["StackStatus"],
        "bucket": bucket,
        "resources": len(template["Resources"]),
        "unmodelled": unmodelled,
        "routes": routes_of(template["Resources"], prefix),
        "vpcEndpoints": [r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::EC2::VPCEndpoint"],        "functions": functions,
        "mappings": mappings,
        "schedules": schedules,
    }


def routes_of(resources, prefix):
    """Each HTTP API route of the deployed template as function → route key and payload version:
    moto stores API Gateway v2 resources without modelling them, so the stack's template is the
    account's only record of the routes."""
    routes = {}
    for resource in resources.values():
        if resource["Type"] != "AWS::ApiGatewayV2::Route":
            continue
        integration = resources[resource["Properties"]["Target"]["Fn::Join"][1][1]["Ref"]]["Properties"]
        function = resources[integration["IntegrationUri"]["Fn::GetAtt"][0]]["Properties"]["FunctionName"]
        routes[function[len(prefix):]] = {"routeKey": resource["Properties"]["RouteKey"], "payloadVersion": integration["PayloadFormatVersion"]}
    return routes


def leftovers(endpoint, stage):
    """What the account still holds of the stage: after `serverless remove`, only what the
    template retains by design (dead-letter queues, if their DeletionPolicy is Retain)."""
    prefix = f"sagashop-{stage}-"
    lambda_ = client(endpoint, "lambda")
    functions = [f["FunctionName"] for page in lambda_.get_paginator("list_functions").paginate() for f in page["Functions"] if f["FunctionName"].startswith(prefix)]
    queues = client(endpoint, "sqs").list_queues(QueueNamePrefix=prefix).get("QueueUrls", [])
    mappings = [m["UUID"] for m in lambda_.list_event_source_mappings()["EventSourceMappings"] if m["FunctionArn"].split(":")[-1].startswith(prefix)]
    rules = [r["Name"] for r in client(endpoint, "events").list_rules(NamePrefix=prefix)["Rules"]]
    roles = [r["RoleName"] for r in client(endpoint, "iam").list_roles()["Roles"] if r["RoleName"].startswith(prefix)]
    endpoints = [e["VpcEndpointId"] for e in client(endpoint, "ec2").describe_vpc_endpoints()["VpcEndpoints"] if e["State"] != "deleted"]
    stack = stack_of(endpoint, stage)
    return {
        "stack": stack and stack["StackStatus"],
        "functions": functions,
        "queues": [url.rsplit("/", 1)[-1] for url in queues],
        "mappings": mappings,
        "rules": rules,
        "roles": roles,
        "vpcEndpoints": endpoints,
    }


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    print(json.dumps({"prepare": prepare, "deployed": deployed, "leftovers": leftovers}[command](*args)))
