//! Screen arithmetic shared by the core (scrolling, which rows need a label)
//! and the view (where things are drawn).

/// Below this size the console shows "terminal too small" instead.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

/// Lines above the table: two header lines and the column titles.
pub const HEADER_LINES: u16 = 2;
pub const TABLE_TITLE_LINES: u16 = 1;
/// The footer of key hints.
pub const FOOTER_LINES: u16 = 1;

pub fn too_small(width: u16, height: u16) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
}

/// Rows of the list that fit a terminal `height` rows tall (same for the
/// participant table and the conference picker).
pub fn table_rows(height: u16) -> usize {
    height.saturating_sub(HEADER_LINES + TABLE_TITLE_LINES + FOOTER_LINES) as usize
}

/// Lines above the participant table: the two header lines, the line that
/// says what is shown (search, filter, order, marks, position), the titles.
pub const PARTICIPANT_HEADER_LINES: u16 = 4;
/// The line of a change to many (its progress and result).
pub const RUN_LINES: u16 = 1;

/// Rows of the participant table that fit a terminal `height` rows tall,
/// with or without the line of a change to many.
pub fn participant_rows(height: u16, run: bool) -> usize {
    let run = if run { RUN_LINES } else { 0 };
    height.saturating_sub(PARTICIPANT_HEADER_LINES + FOOTER_LINES + run) as usize
}

/// The scroll offset that keeps `cursor` visible in a window of `rows`,
/// moving as little as possible from `offset`.
pub fn scroll(offset: usize, cursor: usize, rows: usize, len: usize) -> usize {
    if rows == 0 || len == 0 {
        return 0;
    }
    let max_offset = len.saturating_sub(rows);
    let offset = if cursor < offset {
        cursor
    } else if cursor >= offset + rows {
        cursor + 1 - rows
    } else {
        offset
    };
    offset.min(max_offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrolling_keeps_the_cursor_in_view() {
        assert_eq!(scroll(0, 5, 10, 100), 0);
        assert_eq!(scroll(0, 10, 10, 100), 1);
        assert_eq!(scroll(20, 5, 10, 100), 5);
        assert_eq!(scroll(95, 99, 10, 100), 90);
        assert_eq!(scroll(50, 3, 10, 5), 0);
        assert_eq!(scroll(3, 0, 0, 5), 0);
    }

    #[test]
    fn table_rows_leave_room_for_header_and_footer() {
        assert_eq!(table_rows(24), 20);
        assert_eq!(table_rows(3), 0);
    }
}
