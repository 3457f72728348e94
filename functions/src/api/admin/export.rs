//! `GET /api/admin/export/{orders,nominations,registrations,messages}.csv`: staff's
//! spreadsheets. Only the registrations carry phone numbers (staff call guardians back); the
//! texts to residents show them masked; every download is recorded in the action log.

use axum::extract::State;
use axum::response::Response;

use super::csv::Csv;
use super::{record, store_error, Segment};
use crate::api::facts::township_name;
use crate::api::problem::ApiError;
use crate::api::state::ApiState;
use crate::catalogue::Catalogue;
use crate::store::{NominationRow, OrderRow, RegistrationRow, RegistrationStatus, Time};

fn when(t: &Time) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn orders(c: &Catalogue, rows: &[OrderRow]) -> Csv {
    let header = [
        "节目编号",
        "节目",
        "乡镇",
        "姓名",
        "留言",
        "点单时间",
        "状态",
        "完成时间",
    ];
    let mut csv = Csv::new(&header);
    for r in rows {
        let title = c.programs.get(&r.program).map(|p| p.title.clone());
        let status = if r.closed_at.is_some() {
            "已演出"
        } else {
            "待安排"
        };
        csv.row(&[
            r.program.to_string(),
            title.unwrap_or_default(),
            township_name(c, &r.township),
            r.name.clone(),
            r.note.clone().unwrap_or_default(),
            when(&r.ordered_at),
            status.to_owned(),
            r.closed_at.as_ref().map(when).unwrap_or_default(),
        ]);
    }
    csv
}

fn nominations(c: &Catalogue, rows: &[NominationRow]) -> Csv {
    let header = [
        "讲师编号",
        "讲师",
        "乡镇",
        "姓名",
        "希望讲的内容",
        "点将时间",
    ];
    let mut csv = Csv::new(&header);
    for r in rows {
        let name = c.lecturers.get(&r.lecturer).map(|l| l.name.clone());
        csv.row(&[
            r.lecturer.to_string(),
            name.unwrap_or_default(),
            township_name(c, &r.township),
            r.name.clone(),
            r.topic.clone().unwrap_or_default(),
            when(&r.nominated_at),
        ]);
    }
    csv
}

fn status_zh(s: RegistrationStatus) -> &'static str {
    match s {
        RegistrationStatus::Confirmed => "已确认",
        RegistrationStatus::Waitlisted => "候补",
        RegistrationStatus::Cancelled => "已取消",
        RegistrationStatus::Applied => "待摇号",
        RegistrationStatus::NotDrawn => "未摇中",
    }
}

fn registrations(c: &Catalogue, rows: &[RegistrationRow]) -> Csv {
    let header = [
        "报名码",
        "课程编号",
        "课程",
        "状态",
        "孩子姓名",
        "年龄",
        "家长姓名",
        "手机号码",
        "报名时间",
    ];
    let mut csv = Csv::new(&header);
    for r in rows {
        let title = c.courses.get(&r.course).map(|k| k.title.clone());
        csv.row(&[
            r.code.to_string(),
            r.course.to_string(),
            title.unwrap_or_default(),
            status_zh(r.status).to_owned(),
            r.child_name.clone(),
            r.child_age.to_string(),
            r.guardian_name.clone(),
            r.phone.clone(),
            when(&r.registered_at),
        ]);
    }
    csv
}

/// The export named by the file, as a CSV document and a row count.
async fn export(state: &ApiState, name: &str) -> Result<(Csv, usize), ApiError> {
    let c = state.catalogue();
    let store = state.store();
    let fail = |e| store_error(e, "");
    match name {
        "orders" => (store.export_orders().await.map_err(fail)).map(|r| (orders(&c, &r), r.len())),
        "nominations" => {
            (store.export_nominations().await.map_err(fail)).map(|r| (nominations(&c, &r), r.len()))
        }
        "registrations" => (store.export_registrations().await.map_err(fail))
            .map(|r| (registrations(&c, &r), r.len())),
        "messages" => {
            (super::messages::latest(state).await).map(|r| (super::messages::csv(&r), r.len()))
        }
        _ => Err(ApiError::not_found(
            "可以导出的只有 orders.csv、nominations.csv、registrations.csv 和 messages.csv。",
        )),
    }
}

pub(super) async fn download(State(state): State<ApiState>, Segment(file): Segment) -> Response {
    let name = file.strip_suffix(".csv").unwrap_or("");
    match export(&state, name).await {
        Ok((csv, rows)) => {
            let day = state.now().format("%Y-%m-%d");
            record(
                &state,
                "export",
                name,
                format!("导出 {name}.csv（{rows} 行）"),
            )
            .await;
            csv.into_response(&format!("{name}-{day}.csv"))
        }
        Err(err) => err.problem_json(),
    }
}
