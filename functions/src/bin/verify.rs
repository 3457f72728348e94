//! The `verify` Lambda function: `POST /api/verify`, which sends text-message codes, on DynamoDB (see `diandan_functions::lambda`).

fn main() -> std::process::ExitCode {
    diandan_functions::lambda::main(diandan_functions::lambda::Function::Verify)
}
