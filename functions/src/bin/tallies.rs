//! The `tallies` Lambda function: `/api/tallies` and `/api/health` on DynamoDB (see `diandan_functions::lambda`).

fn main() -> std::process::ExitCode {
    diandan_functions::lambda::main(diandan_functions::lambda::Function::Tallies)
}
