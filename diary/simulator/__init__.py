"""The trajectory simulator: realistic diaries for the demo clinic and the benchmark."""
