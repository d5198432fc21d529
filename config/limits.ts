/**
 * Every AWS limit and quota Ballast relies on, in one place, with its source. Quotas change: when AWS
 * publishes a new number, change it here and nowhere else. Numbers AWS does not publish are marked
 * `unpublished` and are only defaults of the local cloud.
 */
export const LIMITS = {
  // EC2 Auto Scaling lifecycle hooks (User Guide, "Amazon EC2 Auto Scaling lifecycle hooks").
  lifecycleHookHeartbeatMinSeconds: 30,
  lifecycleHookHeartbeatMaxSeconds: 7200,
  lifecycleHookHeartbeatDefaultSeconds: 3600,
  /** Global cap on one instance waiting in a hook: min(48 h, 100 x HeartbeatTimeout). */
  lifecycleHookGlobalCapSeconds: 48 * 3600,
  lifecycleHookGlobalCapHeartbeats: 100,
  /** HeartbeatTimeout that lets the 48 h cap be reached (48 h / 100). */
  lifecycleHookHeartbeatFor48h: 1728,
  lifecycleHooksPerGroup: 50,

  // ECS API request limits (API Reference of each action).
  ecsUpdateContainerInstancesStateMax: 10,
  ecsDescribeTasksMax: 100,
  ecsDescribeServicesMax: 10,
  ecsDescribeContainerInstancesMax: 100,
  ecsListMaxResults: 100,

  // EC2 Auto Scaling API Reference, DescribeAutoScalingGroups: MaxRecords is at most 100 (NextToken pages on).
  autoScalingDescribeGroupsMaxRecords: 100,

  // Application Auto Scaling API Reference, DescribeScalableTargets / DescribeScheduledActions /
  // DescribeScalingPolicies: MaxResults is 1-50 (NextToken pages on); Ballast also names 50 ResourceIds a call.
  applicationAutoScalingDescribeMax: 50,
  /** DescribeScalingPolicies: MaxResults is 1-10. */
  applicationAutoScalingDescribePoliciesMax: 10,

  // DynamoDB API Reference, BatchWriteItem: at most 25 put or delete requests a call.
  dynamoBatchWriteMax: 25,

  // Route 53 (Developer Guide, "Quotas").
  route53ChangesPerBatch: 100,
  route53WeightMin: 0,
  route53WeightMax: 255,
  /** Route 53 designs for a change to be INSYNC on all authoritative servers within 60 s. */
  route53PropagationSeconds: 60,
  /**
   * unpublished: how long Route 53 takes to *process* (accept) a change before the next one to the same zone is
   * accepted; during it a change gets PriorRequestNotComplete (API Reference, ChangeResourceRecordSets errors).
   * The local cloud's own default.
   */
  route53ChangeProcessingSeconds: 2,

  /**
   * Ballast's choice: weighted records share a total of 200 (0.5 % steps), inside Route 53's 0-255 per record.
   * Weights 0 are used only when every non-zero record is unhealthy (Developer Guide, "Weighted routing").
   */
  route53WeightTotal: 200,
  /**
   * Ballast's choice: a `data-plane` deployment makes, per region and rung, two CloudWatch alarms and one health
   * check (Route 53 allows 200 health checks an account by default; CALCULATED ones take at most 256 children).
   */
  dataPlaneMaxRungs: 10,

  // Application Auto Scaling DescribeScalableTargets: at most 50 ResourceIds (API Reference).
  applicationAutoScalingResourceIdsMax: 50,
  // Elastic Load Balancing v2 DescribeTargetGroups: at most 20 Names (API Reference).
  elbDescribeTargetGroupsNamesMax: 20,
  // ELB target group attribute deregistration_delay.timeout_seconds: 0-3600 s, default 300 s (ALB and NLB
  // User Guides, "Target group attributes").
  elbDeregistrationDelayDefaultSeconds: 300,
  // CloudWatch GetMetricData: at most 500 queries a call (API Reference); metrics at 60 s resolution.
  cloudWatchMetricDataQueriesMax: 500,
  cloudWatchStandardPeriodSeconds: 60,
  // CloudWatch DescribeAlarms: at most 100 AlarmNames a call (API Reference).
  cloudWatchDescribeAlarmsNamesMax: 100,

  // Step Functions (Developer Guide, "Service quotas").
  sfnHistoryEventsMax: 25_000,
  sfnPayloadBytesMax: 256 * 1024,

  // Ballast's own choices for DNS TTL: below 5 s resolvers ignore it; above an hour a failover cannot help.
  dnsTtlMinSeconds: 5,
  dnsTtlMaxSeconds: 3600,
} as const;

/** A token bucket: `burst` tokens, refilled at `perSecond`. */
export interface RateLimit {
  readonly burst: number;
  readonly perSecond: number;
}

/**
 * API rate limits per account and region (ThrottlingException when exceeded). Sources: ECS "Request
 * throttling for the Amazon ECS API", Step Functions "Quotas related to API action throttling", Route 53
 * "Quotas" (account-wide, 5/s in older documents), EC2 "Request throttling".
 */
/** ECS UpdateService, CreateService and DeleteService draw on one bucket. */
const ECS_SERVICE_MUTATIONS: RateLimit = { burst: 50, perSecond: 5 };

export const RATE_LIMITS: Record<string, RateLimit> = {
  'ecs:UpdateService': ECS_SERVICE_MUTATIONS,
  'ecs:CreateService': ECS_SERVICE_MUTATIONS,
  'ecs:DeleteService': ECS_SERVICE_MUTATIONS,
  'ecs:DescribeServices': { burst: 100, perSecond: 20 },
  'ecs:ListServices': { burst: 100, perSecond: 20 },
  'ecs:DescribeTasks': { burst: 100, perSecond: 20 },
  'ecs:ListTasks': { burst: 100, perSecond: 20 },
  'ecs:DescribeContainerInstances': { burst: 100, perSecond: 20 },
  'ecs:RunTask': { burst: 100, perSecond: 40 },
  'ecs:StopTask': { burst: 100, perSecond: 40 },
  'states:StartExecution': { burst: 1300, perSecond: 300 },
  'route53:*': { burst: 50, perSecond: 10 },
  // unpublished: one bucket per service; these defaults are the local cloud's own.
  'autoscaling:*': { burst: 100, perSecond: 20 },
  'application-autoscaling:*': { burst: 100, perSecond: 20 },
};
