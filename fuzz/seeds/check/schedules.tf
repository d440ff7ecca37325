# Rotation and schedules for billing.
# schedule_expression = "rate(0 days)"   (a comment, never read)

variable "hour" {
  type    = number
  default = 3
}

locals {
  nightly = "cron(0 3 * * ? *)"
}

resource "aws_secretsmanager_secret_rotation" "db" {
  secret_id           = aws_secretsmanager_secret.db.id
  rotation_lambda_arn = aws_lambda_function.rotate.arn

  rotation_rules {
    // schedule_expression = "rate(1 hour)"
    schedule_expression = "rate(4 hours)"
    duration            = "5h" /* windows every 4 hours: too long */
  }
}

resource "aws_secretsmanager_secret_rotation" "api" {
  secret_id = aws_secretsmanager_secret.api.id
  rotation_rules {
    automatically_after_days = 1001
  }
}

resource "aws_secretsmanager_secret_rotation" "both" {
  secret_id = aws_secretsmanager_secret.both.id
  rotation_rules {
    automatically_after_days = 30
    schedule_expression      = local.nightly
  }
}

resource "aws_cloudwatch_event_rule" "heartbeat" {
  name                = "heartbeat"
  schedule_expression = "rate(5 minutes)"
  description         = <<-EOT
    Runs every five minutes.
    schedule_expression = "rate(0 minutes)"
  EOT
}

resource "aws_cloudwatch_event_rule" "templated" {
  schedule_expression = "cron(0 ${var.hour} * * ? *)"
}

resource "aws_scheduler_schedule" "report" {
  name                         = "report"
  schedule_expression          = <<-EOT
    cron(0 8 ? * MON-FRI *)
  EOT
  schedule_expression_timezone = "Mars/Olympus_Mons"
  flexible_time_window {
    mode                      = "FLEXIBLE"
    maximum_window_in_minutes = 0
  }
  target {
    arn      = aws_lambda_function.report.arn
    role_arn = aws_iam_role.scheduler.arn
  }
}

/*
resource "aws_cloudwatch_event_rule" "old" {
  schedule_expression = "rate(1 minutes)"
}
*/
