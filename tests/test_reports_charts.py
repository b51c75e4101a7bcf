"""The server-drawn bar chart: bars scale to the highest value and stay inside the drawing."""
from app.reports.charts import bar_chart


def test_highest_bar_fills_the_plot_and_zero_has_no_height():
    chart = bar_chart([("1/9", 0), ("8/9", 5), ("15/9", 10)], "Penyelesaian")
    zero, half, full = chart.bars
    assert zero.height == 0 and zero.y == chart.baseline
    assert full.height == 2 * half.height and full.y > 0
    assert all(0 <= b.x and b.x + b.width <= chart.width for b in chart.bars)
    assert all(b.show_label for b in chart.bars)


def test_many_weeks_label_every_other_bar_ending_with_the_current_week():
    chart = bar_chart([(f"{d}/9", d) for d in range(1, 13)], "Penyelesaian")
    assert [b.show_label for b in chart.bars][-4:] == [False, True, False, True]
    assert sum(b.show_label for b in chart.bars) == 6


def test_no_completions_draws_empty_bars():
    assert [b.height for b in bar_chart([("1/9", 0), ("8/9", 0)], "x").bars] == [0, 0]
