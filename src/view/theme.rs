//! Styles. With NO_COLOR every style keeps its modifiers (bold, dim, reverse,
//! italic) and drops its colours, so state still reads from symbols and
//! modifiers.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    color: bool,
}

impl Theme {
    pub fn new(no_color: bool) -> Self {
        Theme { color: !no_color }
    }

    fn fg(&self, style: Style, color: Color) -> Style {
        if self.color { style.fg(color) } else { style }
    }

    pub fn plain(&self) -> Style {
        Style::new()
    }

    pub fn title(&self) -> Style {
        self.fg(Style::new().add_modifier(Modifier::BOLD), Color::Cyan)
    }

    pub fn column_title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn dim(&self) -> Style {
        self.fg(Style::new().add_modifier(Modifier::DIM), Color::Gray)
    }

    /// A participant who has left: greyed and italic.
    pub fn left(&self) -> Style {
        self.fg(
            Style::new().add_modifier(Modifier::DIM | Modifier::ITALIC),
            Color::DarkGray,
        )
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// A row that changed since the last refresh.
    pub fn changed(&self) -> Style {
        self.fg(Style::new().add_modifier(Modifier::BOLD), Color::Yellow)
    }

    /// What a search matched: bold and underlined, coloured when allowed.
    pub fn matched(&self) -> Style {
        self.fg(
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            Color::LightYellow,
        )
    }

    pub fn on(&self) -> Style {
        self.fg(
            Style::new().add_modifier(Modifier::BOLD),
            Color::LightYellow,
        )
    }

    pub fn ok(&self) -> Style {
        self.fg(Style::new().add_modifier(Modifier::BOLD), Color::Green)
    }

    pub fn error(&self) -> Style {
        self.fg(Style::new().add_modifier(Modifier::BOLD), Color::LightRed)
    }

    pub fn info(&self) -> Style {
        self.fg(Style::new(), Color::Cyan)
    }

    pub fn key(&self) -> Style {
        self.fg(Style::new().add_modifier(Modifier::BOLD), Color::Cyan)
    }

    pub fn badge(&self, color: Color) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(color)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }

    /// The background of a toast, to set it apart from the table under it.
    pub fn toast(&self) -> Style {
        if self.color {
            Style::new().bg(Color::Rgb(40, 40, 48))
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// A banner that must not be missed: reversed, bold, red when allowed.
    pub fn banner(&self) -> Style {
        self.fg(
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            Color::LightRed,
        )
    }

    pub fn border(&self) -> Style {
        self.fg(Style::new(), Color::Cyan)
    }

    pub fn danger_border(&self) -> Style {
        self.fg(Style::new().add_modifier(Modifier::BOLD), Color::LightRed)
    }
}
