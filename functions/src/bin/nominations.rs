//! The `nominations` Lambda function: `/api/nominations` and the paths under it, on DynamoDB (see `diandan_functions::lambda`).

fn main() -> std::process::ExitCode {
    diandan_functions::lambda::main(diandan_functions::lambda::Function::Nominations)
}
