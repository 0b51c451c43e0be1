//! Commands from Python (render arg `command: {id, name}`): log out or refresh. Each id runs
//! once, however many reruns repeat it; the result goes back as an `onStatusUpdate` with reason
//! `command`.

use crate::config::ConfigError;
use crate::wire::{self, json, Int, Value};
use serde::Deserialize;

/// What Python asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandName {
    /// Log out in every tab (and at the provider when `end_session` is set).
    Logout,
    /// Refresh the tokens now.
    Refresh,
}

impl CommandName {
    /// The name as Python sends it.
    pub fn as_str(self) -> &'static str {
        match self {
            CommandName::Logout => "logout",
            CommandName::Refresh => "refresh",
        }
    }
}

/// One command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Command {
    /// Python's id for it: a new id is a new command.
    pub id: u64,
    /// What to do.
    pub name: CommandName,
}

/// The `command` render arg on the wire.
#[derive(Deserialize)]
struct CommandArgs {
    #[serde(default)]
    command: Option<CommandWire>,
}

#[derive(Deserialize)]
struct CommandWire {
    id: Int,
    name: String,
}

/// Reads the `command` render arg; absent or null means none.
pub fn from_args(args: &Value) -> Result<Option<Command>, ConfigError> {
    let invalid = ConfigError::Invalid("command");
    let args: CommandArgs = wire::from_value(args).map_err(|_| invalid)?;
    let Some(command) = args.command else {
        return Ok(None);
    };
    let name = match command.name.as_str() {
        "logout" => CommandName::Logout,
        "refresh" => CommandName::Refresh,
        _ => return Err(invalid),
    };
    Ok(Some(Command {
        id: command.id.0,
        name,
    }))
}

/// Lets each command id through once.
#[derive(Clone, Debug, Default)]
pub struct CommandGate {
    last: Option<u64>,
}

impl CommandGate {
    /// Whether `command` is new (its id differs from the last one let through); it is then
    /// recorded as run.
    pub fn admit(&mut self, command: Command) -> bool {
        let new = self.last != Some(command.id);
        self.last = Some(command.id);
        new
    }
}

/// The status data with the command's result added: `command: {id, name, ok, message?}`.
pub fn with_result(mut status: Value, command: Command, failure: Option<&str>) -> Value {
    let mut result = json!({
        "id": command.id,
        "name": command.name.as_str(),
        "ok": failure.is_none(),
    });
    if let Some(message) = failure {
        result["message"] = Value::from(message);
    }
    if let Some(status) = status.as_object_mut() {
        status.insert("command".to_owned(), result);
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Result<Option<Command>, ConfigError> {
        from_args(&serde_json::from_str(text).unwrap())
    }

    #[test]
    fn commands_are_read_from_the_args() {
        assert_eq!(args("{}"), Ok(None));
        assert_eq!(args(r#"{"command":null}"#), Ok(None));
        assert_eq!(
            args(r#"{"command":{"id":3,"name":"logout"}}"#),
            Ok(Some(Command {
                id: 3,
                name: CommandName::Logout
            }))
        );
        assert_eq!(
            args(r#"{"command":{"id":4,"name":"refresh"}}"#),
            Ok(Some(Command {
                id: 4,
                name: CommandName::Refresh
            }))
        );
        for bad in [
            r#"{"command":"logout"}"#,
            r#"{"command":{"id":-1,"name":"logout"}}"#,
            r#"{"command":{"id":1,"name":"delete"}}"#,
            r#"{"command":{"name":"logout"}}"#,
        ] {
            assert_eq!(args(bad), Err(ConfigError::Invalid("command")), "{bad}");
        }
    }

    #[test]
    fn each_id_runs_once_however_often_reruns_repeat_it() {
        let mut gate = CommandGate::default();
        let logout = |id| Command {
            id,
            name: CommandName::Logout,
        };
        assert!(gate.admit(logout(1)));
        assert!(!gate.admit(logout(1)));
        assert!(gate.admit(logout(2)));
        assert!(!gate.admit(logout(2)));
    }

    #[test]
    fn the_result_is_added_to_the_status() {
        let status = json!({"status": "Logged out"});
        let command = Command {
            id: 7,
            name: CommandName::Refresh,
        };
        assert_eq!(
            with_result(status.clone(), command, None).to_string(),
            r#"{"status":"Logged out","command":{"id":7,"name":"refresh","ok":true}}"#
        );
        assert_eq!(
            with_result(status, command, Some("not logged in")).to_string(),
            r#"{"status":"Logged out","command":{"id":7,"name":"refresh","ok":false,"message":"not logged in"}}"#
        );
    }
}
