"""Drives the local cloud endpoint through boto3/botocore, one protocol per run, and prints what botocore
parsed as JSON. Usage: drive_boto3.py ENDPOINT_URL json|query|rest-xml|dynamodb|cloudwatch"""

import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

url, protocol = sys.argv[1], sys.argv[2]
session = boto3.session.Session(aws_access_key_id="AKIDTEST", aws_secret_access_key="x", region_name="us-east-1")
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
if protocol == "json":
    ecs = client("ecs")
    out["clusters"] = [arn for page in ecs.get_paginator("list_clusters").paginate(PaginationConfig={"PageSize": 2}) for arn in page["clusterArns"]]
    tasks = ecs.describe_tasks(cluster="alpha", tasks=["t1"])["tasks"]
    out["createdAt"] = tasks[0]["createdAt"].isoformat()
    out["error"] = error_of(lambda: ecs.describe_clusters(clusters=["nope"]))
    sfn = client("stepfunctions")
    started = sfn.start_execution(stateMachineArn="arn:aws:states:us-east-1:123456789012:stateMachine:drain", name="py")
    out["executionArn"] = started["executionArn"]
    out["startDate"] = started["startDate"].isoformat()
elif protocol == "query":
    asg = client("autoscaling")
    group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["web"], MaxRecords=10)["AutoScalingGroups"][0]
    out["group"] = {
        "name": group["AutoScalingGroupName"],
        "desired": group["DesiredCapacity"],
        "zones": group["AvailabilityZones"],
        "created": group["CreatedTime"].isoformat(),
        "protected": [i["ProtectedFromScaleIn"] for i in group["Instances"]],
        "tagValue": group["Tags"][0]["Value"],
    }
    asg.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=4, HonorCooldown=False)
    out["error"] = error_of(lambda: asg.describe_auto_scaling_groups(MaxRecords=500))
elif protocol == "rest-xml":
    r53 = client("route53")
    listed = r53.list_resource_record_sets(HostedZoneId="/hostedzone/Z1", MaxItems="2")
    out["records"] = [[r["Name"], r.get("Weight"), [v["Value"] for v in r["ResourceRecords"]]] for r in listed["ResourceRecordSets"]]
    out["next"] = listed.get("NextRecordName")
    change = r53.change_resource_record_sets(
        HostedZoneId="Z1",
        ChangeBatch={
            "Comment": "py",
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {"Name": "api.example.com.", "Type": "A", "SetIdentifier": "w", "Weight": 5, "TTL": 30, "ResourceRecords": [{"Value": "10.9.9.9"}]},
                }
            ],
        },
    )
    out["change"] = {"id": change["ChangeInfo"]["Id"], "status": change["ChangeInfo"]["Status"]}
    out["insync"] = r53.get_change(Id="C1")["ChangeInfo"]["Status"]
    out["error"] = error_of(lambda: r53.list_resource_record_sets(HostedZoneId="ZNOPE"))
elif protocol == "dynamodb":
    ddb = client("dynamodb")
    ddb.create_table(
        TableName="pyledger",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="pyledger", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    out["item"] = ddb.get_item(TableName="pyledger", Key={"pk": {"S": "a"}})["Item"]
    out["error"] = error_of(
        lambda: ddb.put_item(TableName="pyledger", Item={"pk": {"S": "a"}}, ConditionExpression="attribute_not_exists(pk)")
    )
elif protocol == "cloudwatch":
    cw = client("cloudwatch")
    alarm = cw.describe_alarms()["MetricAlarms"][0]
    out["alarm"] = {"name": alarm["AlarmName"], "threshold": alarm["Threshold"], "updated": alarm["StateUpdatedTimestamp"].isoformat()}
    cw.put_metric_data(Namespace="Ballast", MetricData=[{"MetricName": "Heartbeat", "Value": 1.0, "Timestamp": "2026-11-25T02:00:00Z"}])
    out["error"] = error_of(lambda: cw.set_alarm_state(AlarmName="nope", StateValue="ALARM", StateReason="x"))
else:
    raise SystemExit(f"unknown protocol {protocol}")

print(json.dumps(out))
