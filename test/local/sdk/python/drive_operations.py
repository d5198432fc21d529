"""Drives a running LocalCloud through boto3/botocore and prints what botocore parsed, as JSON: another SDK's
serializers and parsers must agree with the SDK v3 ones on the operations Ballast uses.
Usage: drive_operations.py ENDPOINT_URL INSTANCE_ID"""

import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

url, instance_id = sys.argv[1], sys.argv[2]
session = boto3.session.Session(
    aws_access_key_id="AKIAOPERATOR00000000", aws_secret_access_key="local-cloud-secret", region_name="us-east-1"
)
config = Config(retries={"total_max_attempts": 1})


def client(name):
    return session.client(name, endpoint_url=url, config=config)


def error_of(call):
    try:
        call()
    except ClientError as error:
        return {
            "code": error.response["Error"]["Code"],
            "message": error.response["Error"].get("Message"),
            "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
        }
    return None


out = {}

ecs = client("ecs")
out["containerInstances"] = ecs.list_container_instances(cluster="web", filter=f"ec2InstanceId == {instance_id}")[
    "containerInstanceArns"
]
out["ecsError"] = error_of(lambda: ecs.list_container_instances(cluster="nope"))

asg = client("autoscaling")
groups = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["web-hosts", "worker-hosts"])["AutoScalingGroups"]
out["groups"] = [
    {
        "name": g["AutoScalingGroupName"],
        "desired": g["DesiredCapacity"],
        "instances": len(g["Instances"]),
        "created": g["CreatedTime"].isoformat(),
        "tags": sorted(t["Key"] for t in g["Tags"]),
    }
    for g in groups
]

aas = client("application-autoscaling")
targets = [
    t
    for page in aas.get_paginator("describe_scalable_targets").paginate(
        ServiceNamespace="ecs", PaginationConfig={"PageSize": 2}
    )
    for t in page["ScalableTargets"]
]
out["targets"] = sorted([t["ResourceId"], t["MinCapacity"], t["MaxCapacity"]] for t in targets)
out["targetCreated"] = targets[0]["CreationTime"].isoformat()

r53 = client("route53")
records = r53.list_resource_record_sets(HostedZoneId="/hostedzone/Z0EXAMPLE0BALLAST", MaxItems="3")
out["records"] = [[r["Name"], r["Type"], r.get("SetIdentifier"), r.get("Weight")] for r in records["ResourceRecordSets"]]
out["recordsNext"] = [records["IsTruncated"], records.get("NextRecordName"), records.get("NextRecordIdentifier")]

cw = client("cloudwatch")
alarms = cw.describe_alarms(AlarmNamePrefix="TargetTracking-service/web/api-")["MetricAlarms"]
out["alarms"] = sorted(
    [a["Namespace"], a["MetricName"], a["ComparisonOperator"], a["StateUpdatedTimestamp"].tzname()] for a in alarms
)

sfn = client("stepfunctions")
out["stateMachines"] = [[m["name"], m["type"]] for m in sfn.list_state_machines()["stateMachines"]]

events = client("events")
put = events.put_events(
    Entries=[
        {"Source": "ballast.boto3", "DetailType": "Boto3 Test", "Detail": json.dumps({"ok": True})},
        {"Source": "ballast.boto3", "DetailType": "Boto3 Test", "Detail": "not json"},
    ]
)
out["putEvents"] = {
    "failed": put["FailedEntryCount"],
    "entries": [sorted(e.keys()) for e in put["Entries"]],
    "error": put["Entries"][1].get("ErrorCode"),
}

dynamodb = client("dynamodb")
out["tables"] = dynamodb.list_tables()["TableNames"]

print(json.dumps(out))
