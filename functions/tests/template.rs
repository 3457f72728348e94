//! The deployment template, read as data: what each function may do is what its code does.
//! moto, which the store's tests run against, models no IAM, so a policy missing an action
//! the code needs (the planner's purge deleting without `dynamodb:DeleteItem`) would only show
//! on AWS. These tests compare `template.yaml` with tables kept here beside the code: the
//! DynamoDB calls of each function, the secrets each one reads, and the rules every role the
//! stack creates must follow.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use diandan_functions::lambda::Function;
use serde_yaml::Value;

fn template_text() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    std::fs::read_to_string(path).expect("template.yaml")
}

fn template() -> Value {
    serde_yaml::from_str(&template_text()).expect("template.yaml is YAML")
}

/// A value without its CloudFormation tag (`!Sub`, `!Ref`, `!If` …).
fn untag(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => untag(&t.value),
        v => v,
    }
}

/// A string, a list of strings, or a tagged string (`!Sub "…"`) as strings.
fn strings(v: &Value) -> Vec<String> {
    match untag(v) {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(items) => items.iter().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

fn resources(t: &Value) -> &serde_yaml::Mapping {
    t["Resources"].as_mapping().expect("Resources")
}

/// The logical ID of `function`'s resource: `orders` → `OrdersFunction`.
fn logical_id(function: Function) -> String {
    let name = function.name();
    format!("{}{}Function", name[..1].to_uppercase(), &name[1..])
}

/// The DynamoDB actions each function's code makes, as IAM names them. A transaction
/// (`TransactWriteItems`) needs the action of each item in it: orders, registrations, the
/// planner's assignments and the purge write through transactions of puts, updates and deletes.
fn dynamodb_calls(function: Function) -> &'static [&'static str] {
    match function {
        // Submissions: reads, the item and its counters (put + update), the abuse limits.
        Function::Orders | Function::Wishes | Function::Ratings => {
            &["GetItem", "Query", "PutItem", "UpdateItem"]
        }
        // Withdrawals and cancellations delete.
        Function::Nominations | Function::Registrations => {
            &["GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"]
        }
        // Codes: the number's code item (read, versioned put), the per-client limit (update).
        Function::Verify => &["GetItem", "PutItem", "UpdateItem"],
        // The tallies function and the counts function (which writes tallies.json) read counts.
        Function::Tallies | Function::Counts => &["GetItem", "Query"],
        // Replies, hiding, forgetting a person (deletes), exports.
        Function::Admin => &["GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"],
        // Assignments and the action log; the daily purge deletes expired personal data.
        Function::Planner => &["GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"],
        // Reads the stream through its event source mapping, never the table.
        Function::Rebuild => &[],
        // The outbox: due messages (query), claims and outcomes (conditional updates), the
        // daily cap per number (update).
        Function::Notify => &["Query", "UpdateItem"],
    }
}

/// The DynamoDB actions a SAM policy template grants (the ones this table could meet).
fn sam_policy_template(name: &str) -> &'static [&'static str] {
    match name {
        "DynamoDBCrudPolicy" => &[
            "GetItem",
            "DeleteItem",
            "PutItem",
            "Scan",
            "Query",
            "UpdateItem",
            "BatchWriteItem",
            "BatchGetItem",
            "DescribeTable",
            "ConditionCheckItem",
        ],
        "DynamoDBReadPolicy" => &[
            "GetItem",
            "Scan",
            "Query",
            "BatchGetItem",
            "DescribeTable",
            "PartiQLSelect",
        ],
        "DynamoDBWritePolicy" => &["PutItem", "UpdateItem", "BatchWriteItem"],
        "SSMParameterReadPolicy" | "AWSSecretsManagerGetSecretValuePolicy" => &[],
        other => panic!("the SAM policy template {other} is not expanded here: add it"),
    }
}

/// The actions an `Allow` statement list grants, with the resources they are granted on.
fn allowed(statements: &Value) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for s in untag(statements).as_sequence().into_iter().flatten() {
        let s = untag(s);
        if untag(&s["Effect"]).as_str() != Some("Allow") {
            continue;
        }
        let resources = strings(&s["Resource"]);
        for action in strings(&s["Action"]) {
            out.push((action, resources.clone()));
        }
    }
    out
}

/// `function`'s DynamoDB actions, from its inline statements and SAM policy templates.
fn granted_dynamodb(t: &Value, function: Function) -> BTreeSet<String> {
    let props = &resources(t)[logical_id(function).as_str()]["Properties"];
    let mut granted = BTreeSet::new();
    for policy in props["Policies"].as_sequence().into_iter().flatten() {
        let Some(map) = policy.as_mapping() else {
            continue; // a managed policy by name
        };
        for (key, value) in map {
            let key = key.as_str().unwrap_or_default();
            if key == "Statement" {
                for (action, _) in allowed(value) {
                    if action == "dynamodb:*" || action == "*" {
                        granted.insert("*".to_owned());
                    } else if let Some(a) = action.strip_prefix("dynamodb:") {
                        granted.insert(a.to_owned());
                    }
                }
            } else {
                granted.extend(sam_policy_template(key).iter().map(|a| (*a).to_owned()));
            }
        }
    }
    granted
}

#[test]
fn each_functions_policy_covers_the_dynamodb_calls_its_code_makes() {
    let t = template();
    for function in Function::ALL {
        let id = logical_id(function);
        assert!(
            resources(&t).contains_key(id.as_str()),
            "{id} is in template.yaml"
        );
        let granted = granted_dynamodb(&t, function);
        let calls: BTreeSet<String> = dynamodb_calls(function)
            .iter()
            .map(|a| (*a).to_owned())
            .collect();
        let missing: Vec<_> = calls
            .iter()
            .filter(|c| !granted.contains(*c) && !granted.contains("*"))
            .collect();
        assert!(
            missing.is_empty(),
            "{id} makes DynamoDB calls its policy does not allow: {missing:?}"
        );
        let spare: Vec<_> = granted.difference(&calls).collect();
        assert!(
            spare.is_empty(),
            "{id} may make DynamoDB calls its code never makes (least privilege): {spare:?}"
        );
    }
}

/// The Parameter Store parameters a function reads: `{VAR}_PARAMETER` settings, by the name
/// after the secrets path (`${SecretsPath}/hmac-secret` → `hmac-secret`).
fn parameters_named(t: &Value, function: Function) -> BTreeSet<String> {
    let props = &resources(t)[logical_id(function).as_str()]["Properties"];
    let vars = props["Environment"]["Variables"].as_mapping().cloned();
    let mut names = BTreeSet::new();
    for (var, value) in vars.iter().flatten() {
        if var.as_str().is_some_and(|v| v.ends_with("_PARAMETER")) {
            for s in strings(value) {
                names.insert(s.rsplit('/').next().unwrap_or_default().to_owned());
            }
        }
    }
    names
}

/// The parameters `function` may read (`ssm:GetParameter` grants).
fn parameters_granted(t: &Value, function: Function) -> BTreeSet<String> {
    let props = &resources(t)[logical_id(function).as_str()]["Properties"];
    let mut names = BTreeSet::new();
    for policy in props["Policies"].as_sequence().into_iter().flatten() {
        for (action, on) in allowed(&policy["Statement"]) {
            if action.starts_with("ssm:") {
                names.extend(
                    on.iter()
                        .map(|r| r.rsplit('/').next().unwrap_or_default().to_owned()),
                );
            }
        }
    }
    names
}

/// The secrets each function uses, from what its code does with them.
fn secrets_used(function: Function) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    if function.hashes_people() {
        used.insert("hmac-secret");
    }
    if function.keeps_numbers() {
        used.insert("data-key");
    }
    if function.behind_cdn() {
        used.extend(["origin-secret", "origin-secret-previous"]);
    }
    if function == Function::Admin {
        used.insert("admin-token");
    }
    if function == Function::Rebuild {
        used.insert("build-hook-token");
    }
    // Whichever vendor a deployment picks: the forms send codes too (without JavaScript).
    if function.sends_texts() {
        used.extend([
            "aliyun-access-key-id",
            "aliyun-access-key-secret",
            "tencent-secret-id",
            "tencent-secret-key",
        ]);
    }
    used.into_iter().map(str::to_owned).collect()
}

#[test]
fn each_function_reads_only_the_secrets_it_uses_and_none_sits_in_its_environment() {
    let t = template();
    for function in Function::ALL {
        let id = logical_id(function);
        let used = secrets_used(function);
        assert_eq!(
            parameters_named(&t, function),
            used,
            "{id}: parameters named"
        );
        assert_eq!(
            parameters_granted(&t, function),
            used,
            "{id}: ssm:GetParameter"
        );
    }
    // No secret value in any environment variable: no dynamic reference resolved into one.
    let mut in_environment = Vec::new();
    for (id, resource) in resources(&t) {
        let vars = resource["Properties"]["Environment"]["Variables"].as_mapping();
        for (var, value) in vars.into_iter().flatten() {
            if strings(value).iter().any(|s| s.contains("{{resolve:")) {
                in_environment.push(format!(
                    "{}.{}",
                    id.as_str().unwrap_or("?"),
                    var.as_str().unwrap_or("?")
                ));
            }
        }
    }
    let globals = &t["Globals"]["Function"]["Environment"]["Variables"];
    for (var, value) in globals.as_mapping().into_iter().flatten() {
        if strings(value).iter().any(|s| s.contains("{{resolve:")) {
            in_environment.push(format!("Globals.{}", var.as_str().unwrap_or("?")));
        }
    }
    assert!(
        in_environment.is_empty(),
        "secrets in environment variables: {in_environment:?}"
    );
}

/// What every statement about roles must hold to: the boundary on the role.
fn requires_boundary(statement: &Value) -> bool {
    let condition = untag(&statement["Condition"]);
    !untag(&condition["StringEquals"]["iam:PermissionsBoundary"]).is_null()
}

/// The managed policies the stack attaches: its own `ManagedPolicyArns`, and what SAM adds
/// to function roles (basic execution; DynamoDB stream reading for a DynamoDB event).
fn managed_policies_used(t: &Value) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for (_, r) in resources(t) {
        used.extend(strings(&r["Properties"]["ManagedPolicyArns"]));
        if untag(&r["Type"]).as_str() == Some("AWS::Serverless::Function") {
            used.insert("service-role/AWSLambdaBasicExecutionRole".into());
            let events = r["Properties"]["Events"].as_mapping();
            if events
                .into_iter()
                .flatten()
                .any(|(_, e)| e["Type"].as_str() == Some("DynamoDB"))
            {
                used.insert("service-role/AWSLambdaDynamoDBExecutionRole".into());
            }
        }
    }
    used.into_iter()
        .map(|arn| {
            arn.rsplit_once(":policy/")
                .map_or(arn.clone(), |(_, p)| p.to_owned())
        })
        .collect()
}

/// Checks a policy that may create or change roles: each such grant requires the boundary,
/// attaching is limited to `allowed_policies`, and nothing may change a policy or remove a
/// boundary.
fn check_role_rules(what: &str, statements: &Value, allowed_policies: &BTreeSet<String>) {
    let changes_roles = [
        "iam:CreateRole",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:PutRolePermissionsBoundary",
    ];
    let never = [
        "*",
        "iam:*",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:DeleteRolePermissionsBoundary",
        "iam:CreatePolicy",
        "iam:CreateUser",
        "iam:AttachUserPolicy",
    ];
    let mut seen = BTreeSet::new();
    for s in untag(statements).as_sequence().into_iter().flatten() {
        let s = untag(s);
        if untag(&s["Effect"]).as_str() != Some("Allow") {
            continue;
        }
        for action in strings(&s["Action"]) {
            assert!(!never.contains(&action.as_str()), "{what} allows {action}");
            if !changes_roles.contains(&action.as_str()) {
                continue;
            }
            seen.insert(action.clone());
            assert!(
                requires_boundary(s),
                "{what}: {action} without iam:PermissionsBoundary"
            );
            if action == "iam:AttachRolePolicy" {
                let arns = strings(&untag(&s["Condition"])["ArnEquals"]["iam:PolicyARN"]);
                let arns: BTreeSet<String> = arns
                    .iter()
                    .map(|a| {
                        a.rsplit_once(":policy/")
                            .map_or(a.clone(), |(_, p)| p.to_owned())
                    })
                    .collect();
                assert_eq!(
                    &arns, allowed_policies,
                    "{what}: the managed policies it may attach"
                );
            }
        }
    }
    assert!(
        seen.contains("iam:CreateRole"),
        "{what} creates the stack's roles"
    );
}

#[test]
fn every_role_the_stack_creates_is_bounded_and_attaches_only_the_stacks_policies() {
    let t = template();
    let res = resources(&t);
    let boundary = res
        .get("RoleBoundary")
        .expect("a RoleBoundary managed policy");
    assert_eq!(boundary["Type"].as_str(), Some("AWS::IAM::ManagedPolicy"));
    let bounded = |v: &Value| matches!(untag(v), Value::String(s) if s == "RoleBoundary");
    let globally = bounded(&t["Globals"]["Function"]["PermissionsBoundary"]);
    let mut unbounded = Vec::new();
    for (id, r) in res {
        let id = id.as_str().unwrap_or("?");
        match r["Type"].as_str() {
            Some("AWS::IAM::Role") if !bounded(&r["Properties"]["PermissionsBoundary"]) => {
                unbounded.push(id)
            }
            Some("AWS::Serverless::Function")
                if !globally && !bounded(&r["Properties"]["PermissionsBoundary"]) =>
            {
                unbounded.push(id)
            }
            _ => {}
        }
    }
    assert!(
        unbounded.is_empty(),
        "roles without the boundary: {unbounded:?}"
    );

    let used = managed_policies_used(&t);
    let stack_role = &res["CloudFormationRole"]["Properties"];
    for policy in stack_role["Policies"].as_sequence().into_iter().flatten() {
        check_role_rules(
            "CloudFormationRole",
            &policy["PolicyDocument"]["Statement"],
            &used,
        );
    }
    check_role_rules(
        "RoleBoundary",
        &boundary["Properties"]["PolicyDocument"]["Statement"],
        &used,
    );
}

#[test]
fn the_template_names_every_arn_by_partition_and_fits_each_partition() {
    let text = template_text();
    let literal: Vec<_> = (text.lines().enumerate())
        .filter(|(_, l)| l.contains("arn:aws:") && !l.trim_start().starts_with('#'))
        .map(|(n, _)| n + 1)
        .collect();
    assert!(literal.is_empty(), "literal arn:aws: on lines {literal:?}");
    let t = template();
    let condition_of = |id: &str| {
        let r = &resources(&t)[id];
        r["Condition"].as_str().map(str::to_owned)
    };
    // China's CloudFront has no origin access control and no CloudFront Functions.
    let by_partition: BTreeMap<&str, &str> = BTreeMap::from([
        ("SiteOriginAccessControl", "OutsideChina"),
        ("IndexFunction", "OutsideChina"),
        ("SiteOriginAccessIdentity", "InChina"),
    ]);
    for (id, condition) in by_partition {
        assert_eq!(condition_of(id).as_deref(), Some(condition), "{id}");
    }
    let outputs = t["Outputs"].as_mapping().expect("Outputs");
    assert!(
        !outputs.contains_key("ApiUrl"),
        "the raw API address is not offered as the one to use"
    );
    assert!(outputs.contains_key("ApiBaseUrl"));
}
