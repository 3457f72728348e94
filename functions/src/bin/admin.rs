//! The `admin` Lambda function: the staff API, `/api/admin` and the paths under it, behind a
//! staff session or the bearer token in `DIANDAN_ADMIN_TOKEN`; staff logins under `/api/staff/`
//! and village helpers' proxy submissions under `/api/helper/`; on DynamoDB (see
//! `diandan_functions::lambda`).

fn main() -> std::process::ExitCode {
    diandan_functions::lambda::main(diandan_functions::lambda::Function::Admin)
}
