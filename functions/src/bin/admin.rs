//! The `admin` Lambda function: the staff API, `/api/admin` and the paths under it, on DynamoDB,
//! behind the bearer token in `DIANDAN_ADMIN_TOKEN` (see `diandan_functions::lambda`).

fn main() -> std::process::ExitCode {
    diandan_functions::lambda::main(diandan_functions::lambda::Function::Admin)
}
