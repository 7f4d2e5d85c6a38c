// Alarms of the Fargate service (P9), all notifying one SNS topic: the load balancer's view (healthy hosts,
// latency, 5xx) pages; the tasks' CPU and memory give the visibility that explains a page.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ServiceAlarmsArgs {
  /** Prefix of the topic and alarm names (letters, digits, hyphens). */
  readonly namePrefix: string;
  /** `arnSuffix` of the ALB ("app/<name>/<id>"): the LoadBalancer dimension. */
  readonly loadBalancerArnSuffix: pulumi.Input<string>;
  /** `arnSuffix` of the target group ("targetgroup/<name>/<id>"): the TargetGroup dimension. */
  readonly targetGroupArnSuffix: pulumi.Input<string>;
  readonly clusterName: pulumi.Input<string>;
  readonly serviceName: pulumi.Input<string>;
  /** Address subscribed to the topic (AWS e-mails a confirmation link first). @default no subscription */
  readonly email?: string;
  /** Target 5xx as % of requests that raises the error-rate alarm (`ferry:fargate.alarms`). */
  readonly errorRatePercent: number;
  /** Average target response time, seconds, that raises the latency alarm (`ferry:fargate.alarms`). */
  readonly latencySeconds: number;
  /** Average task CPU / memory % that raises the utilization alarms. @default 85 */
  readonly utilizationPercent?: number;
}

/** Requests per minute below which the error rate is not judged (two errors out of three is not an outage). */
export const MIN_REQUESTS_FOR_ERROR_RATE = 10;

export class ServiceAlarms extends pulumi.ComponentResource {
  public readonly topicArn: pulumi.Output<string>;
  /** Alarms ECS watches during a deployment and rolls back on (error rate, latency). */
  public readonly deploymentAlarmNames: pulumi.Output<string>[];
  public readonly alarmNames: pulumi.Output<string>[];

  constructor(name: string, args: ServiceAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:monitoring:ServiceAlarms", name, {}, opts);
    const p = args.namePrefix;

    // Not encrypted on purpose: CloudWatch cannot publish to a topic under the AWS-managed aws/sns key, and a
    // customer key (about $1/month) buys nothing for alarm notifications that carry no data.
    const topic = new aws.sns.Topic(`${name}-topic`, { name: `${p}-alarms` }, { parent: this });
    if (args.email !== undefined)
      new aws.sns.TopicSubscription(
        `${name}-email`,
        { topic: topic.arn, protocol: "email", endpoint: args.email },
        { parent: this },
      );

    const actions = { alarmActions: [topic.arn], okActions: [topic.arn] };
    const lbDims = { LoadBalancer: args.loadBalancerArnSuffix, TargetGroup: args.targetGroupArnSuffix };
    const ecsDims = { ClusterName: args.clusterName, ServiceName: args.serviceName };

    const healthy = new aws.cloudwatch.MetricAlarm(
      `${name}-healthy-hosts`,
      {
        name: `${p}-healthy-hosts`,
        alarmDescription: "No healthy target behind the load balancer: the app is down.",
        namespace: "AWS/ApplicationELB",
        metricName: "HealthyHostCount",
        dimensions: lbDims,
        statistic: "Minimum",
        period: 60,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        // The ALB reports this metric every minute while the group is attached; silence means trouble too.
        treatMissingData: "breaching",
        ...actions,
      },
      { parent: this },
    );

    const latency = new aws.cloudwatch.MetricAlarm(
      `${name}-latency`,
      {
        name: `${p}-latency`,
        alarmDescription: `Average target response time above ${args.latencySeconds} s.`,
        namespace: "AWS/ApplicationELB",
        metricName: "TargetResponseTime",
        dimensions: lbDims,
        statistic: "Average",
        period: 60,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        comparisonOperator: "GreaterThanThreshold",
        threshold: args.latencySeconds,
        // No requests, no latency to complain about.
        treatMissingData: "notBreaching",
        ...actions,
      },
      { parent: this },
    );

    const errorRate = new aws.cloudwatch.MetricAlarm(
      `${name}-error-rate`,
      {
        name: `${p}-target-5xx-rate`,
        alarmDescription:
          `The app answers more than ${args.errorRatePercent} % of requests with 5xx ` +
          `(judged from ${MIN_REQUESTS_FOR_ERROR_RATE} requests a minute).`,
        metricQueries: [
          {
            id: "errors",
            returnData: false,
            metric: {
              namespace: "AWS/ApplicationELB",
              metricName: "HTTPCode_Target_5XX_Count",
              dimensions: lbDims,
              stat: "Sum",
              period: 60,
            },
          },
          {
            id: "requests",
            returnData: false,
            metric: {
              namespace: "AWS/ApplicationELB",
              metricName: "RequestCount",
              dimensions: lbDims,
              stat: "Sum",
              period: 60,
            },
          },
          {
            id: "rate",
            label: "Target 5xx %",
            returnData: true,
            // 5xx counts are absent (not 0) in minutes without errors: FILL makes them 0.
            expression: `IF(requests >= ${MIN_REQUESTS_FOR_ERROR_RATE}, 100 * FILL(errors, 0) / requests, 0)`,
          },
        ],
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        comparisonOperator: "GreaterThanThreshold",
        threshold: args.errorRatePercent,
        treatMissingData: "notBreaching",
        ...actions,
      },
      { parent: this },
    );

    // 5xx the ALB itself produces (502/503/504: no healthy target, target reset or timed out).
    const elb5xx = new aws.cloudwatch.MetricAlarm(
      `${name}-elb-5xx`,
      {
        name: `${p}-elb-5xx`,
        alarmDescription: "The load balancer returns 5xx itself (no healthy target, or targets failing).",
        namespace: "AWS/ApplicationELB",
        metricName: "HTTPCode_ELB_5XX_Count",
        dimensions: { LoadBalancer: args.loadBalancerArnSuffix },
        statistic: "Sum",
        period: 60,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        comparisonOperator: "GreaterThanThreshold",
        threshold: MIN_REQUESTS_FOR_ERROR_RATE,
        treatMissingData: "notBreaching",
        ...actions,
      },
      { parent: this },
    );

    const utilization = (metric: "CPUUtilization" | "MemoryUtilization", suffix: string) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${suffix}`,
        {
          name: `${p}-${suffix}`,
          alarmDescription:
            `Average task ${metric === "CPUUtilization" ? "CPU" : "memory"} above ` +
            `${args.utilizationPercent ?? 85} % for 15 minutes (scaling is not keeping up, or maxCount is reached).`,
          namespace: "AWS/ECS",
          metricName: metric,
          dimensions: ecsDims,
          statistic: "Average",
          period: 300,
          evaluationPeriods: 3,
          comparisonOperator: "GreaterThanThreshold",
          threshold: args.utilizationPercent ?? 85,
          treatMissingData: "notBreaching",
          ...actions,
        },
        { parent: this },
      );
    const cpu = utilization("CPUUtilization", "cpu-high");
    const memory = utilization("MemoryUtilization", "memory-high");

    this.topicArn = topic.arn;
    this.deploymentAlarmNames = [errorRate.name, latency.name];
    this.alarmNames = [healthy, latency, errorRate, elb5xx, cpu, memory].map((a) => a.name);
    this.registerOutputs({ topicArn: this.topicArn });
  }
}
