"""MLS311 and MLS312 (leakage between training and held-out data) beyond their examples."""

from __future__ import annotations

from conftest import lines, lint, lint_percent_notebook

HEADER = """\
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, train_test_split
from sklearn.preprocessing import LabelEncoder, OneHotEncoder, StandardScaler
"""


def _lint(body: str, code: str):
    return lint(HEADER + body, code)


def _line(body: str, text: str) -> int:
    """The line of `text` in HEADER + body, 1-based."""
    return (HEADER + body).splitlines().index(text) + 1


# MLS312 fit-on-test -------------------------------------------------------------------------


def test_model_fitted_on_the_test_part_is_reported():
    body = (
        "frame = pd.read_csv('loans.csv')\n"
        "X_train, X_test, y_train, y_test = train_test_split(frame.drop(columns='default'), frame['default'])\n"
        "clf = LogisticRegression()\n"
        "clf.fit(X_test, y_test)\n"
    )
    [finding] = _lint(body, "MLS312")
    assert finding.span.line == _line(body, "clf.fit(X_test, y_test)")
    assert "`X_test`" in finding.message


def test_data_derived_from_the_test_part_is_followed():
    body = (
        "X_tr, X_ho, y_tr, y_ho = train_test_split(X, y, test_size=0.3)\n"
        "holdout_numeric = X_ho.select_dtypes('number').fillna(0)\n"
        "scaled = StandardScaler().fit_transform(holdout_numeric.values)\n"
    )
    assert lines(_lint(body, "MLS312")) == [_line(body, "scaled = StandardScaler().fit_transform(holdout_numeric.values)")]


def test_transform_and_predict_on_the_test_part_and_validation_data_are_fine():
    body = (
        "X_train, X_val, y_train, y_val = train_test_split(X, y)\n"
        "scaler = StandardScaler().fit(X_train)\n"
        "X_val = scaler.transform(X_val)\n"
        "clf = LogisticRegression().fit(scaler.transform(X_train), y_train)\n"
        "print(clf.score(X_val, y_val))\n"
        "net.fit(X_train, y_train, validation_data=(X_val, y_val), epochs=5)\n"
        "booster.fit(X_train, y_train, eval_set=[(X_val, y_val)])\n"
    )
    assert _lint(body, "MLS312") == []


def test_a_name_alone_does_not_make_data_held_out():
    body = (
        "X_test = pd.read_csv('competition_test.csv')\n"
        "scaler = StandardScaler().fit(X_test)\n"
    )
    assert _lint(body, "MLS312") == []


def test_refit_on_both_parts_together_is_not_reported():
    body = (
        "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1)\n"
        "final = LogisticRegression().fit(np.vstack([X_train, X_test]), np.concatenate([y_train, y_test]))\n"
    )
    assert _lint(body, "MLS312") == []


def test_meta_model_on_held_out_predictions_is_not_reported():
    body = (
        "X_train, X_blend, y_train, y_blend = train_test_split(X, y, test_size=0.25)\n"
        "base = LogisticRegression().fit(X_train, y_train)\n"
        "blend_features = np.empty((len(X_blend), 2))\n"
        "for column, model in enumerate([base, base]):\n"
        "    blend_features[:, column] = model.predict(X_blend)\n"
        "meta = LogisticRegression().fit(blend_features, y_blend)\n"
    )
    assert _lint(body, "MLS312") == []


def test_two_fold_cross_fitting_is_not_reported():
    body = (
        "X1, X2, y1, y2 = train_test_split(X, y, train_size=0.5, random_state=0)\n"
        "model = LogisticRegression()\n"
        "pred2 = model.fit(X1, y1).predict(X2)\n"
        "pred1 = model.fit(X2, y2).predict(X1)\n"
    )
    assert _lint(body, "MLS312") == []


def test_stateless_preprocessor_on_the_test_part_is_not_reported():
    code = (
        "from sklearn.model_selection import train_test_split\n"
        "from sklearn.preprocessing import PolynomialFeatures\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y)\n"
        "poly = PolynomialFeatures(degree=3)\n"
        "X_test_poly = poly.fit_transform(X_test)\n"
    )
    assert lint(code, "MLS312") == []


def test_split_of_the_test_part_keeps_the_test_origin():
    body = (
        "X_train, X_rest, y_train, y_rest = train_test_split(X, y, test_size=0.4)\n"
        "X_val, X_test, y_val, y_test = train_test_split(X_rest, y_rest, test_size=0.5)\n"
        "encoder = OneHotEncoder(handle_unknown='ignore').fit(X_val)\n"
    )
    [finding] = _lint(body, "MLS312")
    assert "`X_rest`" in finding.message


def test_fit_on_test_across_notebook_cells():
    findings = lint_percent_notebook(
        "# %% [1]\nfrom sklearn.model_selection import train_test_split as tts\n"
        "from sklearn import preprocessing as pp\n"
        "# %% [2]\nX_train, X_test, y_train, y_test = tts(features, target)\n"
        "# %% [3]\nsc = pp.MinMaxScaler()\nX_test = sc.fit_transform(X_test)\n",
        "MLS312",
    )
    assert [(finding.cell, finding.span.line) for finding in findings] == [(3, 2)]


def test_scaler_refitted_on_a_test_file_loaded_on_its_own_is_reported():
    body = (
        "columns = ['tenure', 'monthly_charges', 'total_charges']\n"
        "train = pd.read_csv('data/train.csv')\n"
        "test = pd.read_csv('data/test.csv')\n"
        "scaler = StandardScaler()\n"
        "X_train = scaler.fit_transform(train[columns])\n"
        "X_test = scaler.fit_transform(test[columns])\n"
        "model = LogisticRegression().fit(X_train, train['churned'])\n"
        "probabilities = model.predict_proba(X_test)\n"
    )
    [finding] = _lint(body, "MLS312")
    assert finding.span.line == _line(body, "X_test = scaler.fit_transform(test[columns])")
    assert "the test file `data/test.csv`" in finding.message
    assert "held-out rows" in finding.message
    # In test code, files named after tests are fixtures.
    assert lint(HEADER + body, "MLS312", path="tests/test_churn_model.py") == []


def test_a_test_file_is_followed_through_derived_data_and_joined_paths():
    body = (
        "import os\n"
        "from sklearn.impute import SimpleImputer\n"
        "DATA_DIR = 'inputs'\n"
        "labelled = pd.read_parquet(os.path.join(DATA_DIR, 'labelled.parquet'))\n"
        "holdout = pd.read_parquet(os.path.join(DATA_DIR, 'holdout.parquet'))\n"
        "numeric = holdout.select_dtypes('number').dropna(axis=1, how='all').values * 1.0\n"
        "imputed = SimpleImputer(strategy='median').fit_transform(numeric)\n"
        "clf = LogisticRegression().fit(labelled.drop(columns='label'), labelled['label'])\n"
    )
    [finding] = _lint(body, "MLS312")
    assert finding.span.line == _line(body, "imputed = SimpleImputer(strategy='median').fit_transform(numeric)")
    assert "`holdout`" in finding.message and "`inputs/holdout.parquet`" in finding.message


def test_test_splits_of_datasets_and_archives_are_test_sets():
    body = (
        "from datasets import load_dataset\n"
        "from sklearn.feature_extraction.text import TfidfVectorizer\n"
        "reviews_train = load_dataset('imdb', split='train')\n"
        "reviews_test = load_dataset('imdb', split='test')\n"
        "vectorizer = TfidfVectorizer(min_df=3)\n"
        "train_matrix = vectorizer.fit_transform(reviews_train['text'])\n"
        "test_matrix = vectorizer.fit_transform(reviews_test['text'])\n"
        "splits = load_dataset('ag_news')\n"
        "news_test = splits['test']\n"
        "TfidfVectorizer().fit(news_test['text'])\n"
        "arrays = np.load('digits.npz')\n"
        "X_tr, X_te = arrays['X_train'], arrays['X_test']\n"
        "LogisticRegression().fit(X_tr, arrays['y_train'])\n"
        "StandardScaler().fit(X_te)\n"
    )
    assert lines(_lint(body, "MLS312")) == [
        _line(body, "test_matrix = vectorizer.fit_transform(reviews_test['text'])"),
        _line(body, "TfidfVectorizer().fit(news_test['text'])"),
        _line(body, "StandardScaler().fit(X_te)"),
    ]


def test_transforming_predicting_or_concatenating_a_test_file_is_not_reported():
    body = (
        "train = pd.read_csv('../input/train.csv')\n"
        "test = pd.read_csv('../input/test.csv')\n"
        "encoder = OneHotEncoder(handle_unknown='ignore').fit(pd.concat([train[['city']], test[['city']]]))\n"
        "scaler = StandardScaler().fit(train[['age', 'fare']])\n"
        "X_test = scaler.transform(test[['age', 'fare']])\n"
        "model = LogisticRegression().fit(scaler.transform(train[['age', 'fare']]), train['survived'])\n"
        "submission = pd.DataFrame({'survived': model.predict(X_test)})\n"
        "pseudo = model.predict(X_test)\n"
        "LogisticRegression().fit(X_test, pseudo)\n"
    )
    assert _lint(body, "MLS312") == []


def test_a_script_whose_only_data_is_a_test_file_is_not_reported():
    body = (
        "frame = pd.read_csv('experiments/test.csv')\n"
        "X = StandardScaler().fit_transform(frame.drop(columns='label'))\n"
        "clf = LogisticRegression().fit(X, frame['label'])\n"
    )
    assert _lint(body, "MLS312") == []


def test_test_inside_a_word_of_the_path_is_not_a_test_file():
    body = (
        "train = pd.read_csv('train.csv')\n"
        "latest = pd.read_csv('exports/latest.csv')\n"
        "contest = pd.read_csv('contest_data.csv')\n"
        "both = pd.read_csv('train_test_merged.csv')\n"
        "scaler = StandardScaler()\n"
        "scaler.fit(train[['x']])\n"
        "scaler.fit(latest[['x']])\n"
        "scaler.fit(contest[['x']])\n"
        "scaler.fit(both[['x']])\n"
    )
    assert _lint(body, "MLS312") == []


# MLS311 fit-before-split --------------------------------------------------------------------


def test_scaler_fitted_before_train_test_split_is_reported_at_the_fit():
    body = (
        "frame = pd.read_csv('sensors.csv')\n"
        "features = frame.drop(columns='fault')\n"
        "scaler = StandardScaler()\n"
        "scaler.fit(features)\n"
        "scaled = scaler.transform(features)\n"
        "parts = train_test_split(scaled, frame['fault'])\n"
    )
    [finding] = _lint(body, "MLS311")
    assert finding.span.line == _line(body, "scaler.fit(features)")
    split_line = _line(body, "parts = train_test_split(scaled, frame['fault'])")
    assert f"at line {split_line}" in finding.message


def test_fit_on_a_column_before_a_kfold_split_of_the_frame():
    body = (
        "frame = pd.read_csv('houses.csv')\n"
        "frame[['area']] = StandardScaler().fit_transform(frame[['area']])\n"
        "folds = KFold(n_splits=5, shuffle=True, random_state=0)\n"
        "for train_idx, valid_idx in folds.split(frame):\n"
        "    pass\n"
    )
    [finding] = _lint(body, "MLS311")
    assert "KFold.split" in finding.message


def test_scaler_fitted_on_the_training_part_only_is_fine():
    body = (
        "X_train, X_test, y_train, y_test = train_test_split(X, y)\n"
        "scaler = StandardScaler().fit(X_train)\n"
        "X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)\n"
    )
    assert _lint(body, "MLS311") == []


def test_fit_on_everything_without_a_later_split_is_fine():
    body = (
        "frame = pd.read_csv('sensors.csv')\n"
        "X_train, X_test, y_train, y_test = train_test_split(frame.drop(columns='fault'), frame['fault'])\n"
        "# final model, trained on all labelled rows\n"
        "scaler = StandardScaler().fit(frame.drop(columns='fault'))\n"
    )
    assert _lint(body, "MLS311") == []


def test_label_encoder_on_the_target_is_fine():
    body = (
        "frame = pd.read_csv('sensors.csv')\n"
        "y = LabelEncoder().fit_transform(frame['fault'])\n"
        "X_train, X_test, y_train, y_test = train_test_split(frame.drop(columns='fault'), y)\n"
    )
    assert _lint(body, "MLS311") == []


def test_vocabulary_only_encoders_are_fine_unless_they_drop_rare_values():
    fine = (
        "frame = pd.read_csv('shop.csv')\n"
        "onehot = OneHotEncoder(handle_unknown='ignore').fit(frame[['city']])\n"
        "X_train, X_test = train_test_split(frame)\n"
        "cities = onehot.transform(X_train[['city']])\n"
    )
    assert _lint(fine, "MLS311") == []
    leaky = fine.replace("handle_unknown='ignore'", "min_frequency=20")
    assert lines(_lint(leaky, "MLS311")) == [_line(leaky, "onehot = OneHotEncoder(min_frequency=20).fit(frame[['city']])")]


def test_unrelated_data_split_after_a_fit_is_fine():
    body = (
        "images = np.load('images.npy')\n"
        "scaler = StandardScaler().fit(images.reshape(len(images), -1))\n"
        "tabular = pd.read_csv('meta.csv')\n"
        "train, test = train_test_split(tabular)\n"
    )
    assert _lint(body, "MLS311") == []


def test_smote_before_the_split_in_a_notebook():
    findings = lint_percent_notebook(
        "# %% [1]\nfrom imblearn.over_sampling import SMOTE\n"
        "from sklearn.model_selection import train_test_split\n"
        "X, y = load_claims()\n"
        "# %% [2]\nX_res, y_res = SMOTE(random_state=0).fit_resample(X, y)\n"
        "# %% [3]\nX_train, X_test, y_train, y_test = train_test_split(X_res, y_res)\n",
        "MLS311",
    )
    [finding] = findings
    assert (finding.cell, finding.span.line) == (2, 1)
    assert "cell 3" in finding.message and "`SMOTE`" in finding.message


# MLS313 preprocessing-outside-pipeline ------------------------------------------------------

CV_HEADER = """\
import pandas as pd
from imblearn.over_sampling import SMOTE
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder, MinMaxScaler
"""


def test_oversampled_data_given_to_cross_val_score_is_reported():
    body = (
        "frame = pd.read_csv('fraud.csv')\n"
        "X_res, y_res = SMOTE(random_state=0).fit_resample(frame.drop(columns='fraud'), frame['fraud'])\n"
        "scores = cross_val_score(RandomForestClassifier(), X_res, y_res, cv=5)\n"
    )
    [finding] = lint(CV_HEADER + body, "MLS313")
    assert finding.span.line == len(CV_HEADER.splitlines()) + 3
    assert "`SMOTE`" in finding.message


def test_scaled_data_given_to_a_grid_search_fit_is_reported():
    body = (
        "frame = pd.read_csv('fraud.csv')\n"
        "scaler = MinMaxScaler()\n"
        "features = pd.DataFrame(scaler.fit_transform(frame.drop(columns='fraud')))\n"
        "from sklearn.svm import SVC\n"
        "search = GridSearchCV(SVC(), {'C': [0.1, 1, 10]}, cv=3)\n"
        "search.fit(X=features, y=frame['fraud'])\n"
    )
    [finding] = lint(CV_HEADER + body, "MLS313")
    assert finding.span.line == len(CV_HEADER.splitlines()) + 6


def test_a_pipeline_and_an_encoded_target_are_fine():
    body = (
        "frame = pd.read_csv('fraud.csv')\n"
        "y = LabelEncoder().fit_transform(frame['fraud'])\n"
        "model = make_pipeline(MinMaxScaler(), RandomForestClassifier())\n"
        "scores = cross_val_score(model, frame.drop(columns='fraud'), y, cv=5)\n"
        "search = GridSearchCV(model, {'randomforestclassifier__max_depth': [3, 5]}).fit(frame, y)\n"
    )
    assert lint(CV_HEADER + body, "MLS313") == []


def test_preprocessing_after_cross_validation_is_fine():
    body = (
        "frame = pd.read_csv('fraud.csv')\n"
        "X = frame.drop(columns='fraud')\n"
        "scores = cross_val_score(RandomForestClassifier(), X, frame['fraud'], cv=5)\n"
        "X_scaled = MinMaxScaler().fit_transform(X)\n"
    )
    assert lint(CV_HEADER + body, "MLS313") == []


# MLS315 scaler-missing ----------------------------------------------------------------------

SCALE_HEADER = """\
import numpy as np
import pandas as pd
from sklearn import svm
from sklearn.cluster import KMeans
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
"""


def _scale_findings(body: str) -> list[int]:
    return [line - len(SCALE_HEADER.splitlines()) for line in lines(lint(SCALE_HEADER + body, "MLS315"))]


def test_svm_on_raw_loaded_features_is_reported():
    body = (
        "cancer = load_breast_cancer()\n"
        "X_train, X_test, y_train, y_test = train_test_split(cancer.data, cancer.target, random_state=0)\n"
        "clf = svm.SVC(C=10).fit(X_train, y_train)\n"
    )
    assert _scale_findings(body) == [3]


def test_kmeans_on_a_csv_is_reported_and_scaled_features_are_not():
    body = (
        "customers = pd.read_csv('customers.csv')\n"
        "raw = customers[['income', 'age', 'visits']]\n"
        "KMeans(n_clusters=4, n_init=10).fit(raw)\n"
        "scaled = StandardScaler().fit_transform(raw)\n"
        "KMeans(n_clusters=4, n_init=10).fit(scaled)\n"
        "standardised = (raw - raw.mean()) / raw.std()\n"
        "KMeans(n_clusters=4, n_init=10).fit_predict(standardised)\n"
    )
    assert _scale_findings(body) == [3]


def test_pipelines_images_digits_and_unknown_features_are_fine():
    body = (
        "pixels = np.load('pixels.npy') / 255.0\n"
        "svm.SVC().fit(pixels, np.load('labels.npy'))\n"
        "digits = load_digits()\n"
        "svm.SVC(gamma=0.001).fit(digits.data, digits.target)\n"
        "model = Pipeline([('scale', StandardScaler()), ('svc', svm.SVC())])\n"
        "model.fit(pd.read_csv('train.csv'), y)\n"
        "def train(features, labels):\n"
        "    return svm.LinearSVC().fit(features, labels)\n"
    )
    assert _scale_findings(body) == []


def test_parts_named_the_other_way_round_are_not_reported():
    body = (
        "df_test, df_train = train_test_split(frame, test_size=0.7, random_state=42)\n"
        "X = df_train.drop(columns='risk').values\n"
        "LogisticRegression().fit(X, df_train['risk'].values)\n"
    )
    assert _lint(body, "MLS312") == []


def test_scaled_data_for_a_tree_model_is_fine_but_selected_features_are_not():
    body = (
        "from sklearn.feature_selection import SelectKBest\n"
        "frame = pd.read_csv('fraud.csv')\n"
        "X = MinMaxScaler().fit_transform(frame.drop(columns='fraud'))\n"
        "forest = RandomForestClassifier(n_estimators=300)\n"
        "scores = cross_val_score(forest, X, frame['fraud'], cv=5)\n"
        "X_best = SelectKBest(k=10).fit_transform(X, frame['fraud'])\n"
        "search = GridSearchCV(estimator=forest, param_grid={'max_depth': [4, 8]})\n"
        "search.fit(X_best, frame['fraud'])\n"
    )
    assert lines(lint(CV_HEADER + body, "MLS313")) == [len(CV_HEADER.splitlines()) + 8]


def test_a_single_feature_needs_no_scaler():
    body = (
        "from sklearn.neighbors import KNeighborsRegressor\n"
        "countries = pd.read_csv('life_satisfaction.csv')\n"
        "X = countries[['gdp_per_capita']].values\n"
        "KNeighborsRegressor(n_neighbors=3).fit(X, countries['life_satisfaction'])\n"
        "KNeighborsRegressor(n_neighbors=3).fit(countries['gdp_per_capita'].values.reshape(-1, 1), y)\n"
        "KNeighborsRegressor(n_neighbors=3).fit(countries[['gdp_per_capita', 'population']], y)\n"
    )
    assert _scale_findings(body) == [6]


# MLS311: statistics learned by hand, function-form scalers, resampling ------------------------

LEARNED_BY_HAND = [
    # Titanic-style imputation with the mean of every row, then a split.
    ("titanic = pd.read_csv('train.csv')\n"
     "titanic['Fare'] = titanic['Fare'].fillna(titanic['Fare'].mean())\n"
     "X_train, X_test, y_train, y_test = train_test_split(titanic[['Fare', 'Pclass']], titanic['Survived'])\n",
     "titanic['Fare'] = titanic['Fare'].fillna(titanic['Fare'].mean())"),
    # The same in place.
    ("houses = pd.read_csv('houses.csv')\n"
     "houses['LotFrontage'].fillna(houses['LotFrontage'].median(), inplace=True)\n"
     "train, test = train_test_split(houses, test_size=0.25, random_state=1)\n",
     "houses['LotFrontage'].fillna(houses['LotFrontage'].median(), inplace=True)"),
    # Standardising by hand with NumPy, then cross-validation folds.
    ("signals = np.load('signals.npy')\n"
     "signals = (signals - np.mean(signals, axis=0)) / np.std(signals, axis=0)\n"
     "for train_idx, test_idx in KFold(5).split(signals):\n"
     "    pass\n",
     "signals = (signals - np.mean(signals, axis=0)) / np.std(signals, axis=0)"),
    # A label derived from the median of every row.
    ("sales = pd.read_csv('sales.csv')\n"
     "sales['high_value'] = (sales['revenue'] > sales['revenue'].median()).astype(int)\n"
     "parts = train_test_split(sales.drop(columns='revenue'), sales['high_value'])\n",
     "sales['high_value'] = (sales['revenue'] > sales['revenue'].median()).astype(int)"),
    # The function form of a scaler.
    ("from sklearn import preprocessing\n"
     "wine = pd.read_csv('wine.csv')\n"
     "X = preprocessing.scale(wine.drop(columns='quality'))\n"
     "X_train, X_test, y_train, y_test = train_test_split(X, wine['quality'])\n",
     "X = preprocessing.scale(wine.drop(columns='quality'))"),
]


def test_statistics_learned_from_every_row_and_written_into_split_data_are_reported():
    for body, line in LEARNED_BY_HAND:
        [finding] = _lint(body, "MLS311")
        assert finding.span.line == _line(body, line), body
        assert "learns from every row" in finding.message


def test_upsampling_with_replacement_before_the_split_is_reported_not_undersampling():
    body = (
        "from sklearn.utils import resample\n"
        "reviews = pd.read_csv('reviews.csv')\n"
        "minority, majority = reviews[reviews.label == 1], reviews[reviews.label == 0]\n"
        "upsampled = resample(minority, n_samples=len(majority), random_state=1)\n"
        "downsampled = resample(majority, replace=False, n_samples=len(minority), random_state=1)\n"
        "balanced = pd.concat([majority, upsampled])\n"
        "train, test = train_test_split(balanced, random_state=0)\n"
        "smaller = pd.concat([minority, downsampled])\n"
        "train_small, test_small = train_test_split(smaller, random_state=0)\n"
    )
    [finding] = _lint(body, "MLS311")
    assert finding.span.line == _line(body, "upsampled = resample(minority, n_samples=len(majority), random_state=1)")
    assert "copies of one row land in both train and test" in finding.message


def test_statistics_that_do_not_reach_the_split_data_or_learn_no_rows_are_not_reported():
    body = (
        "stores = pd.read_csv('stores.csv')\n"
        "print('mean sales', stores['sales'].mean())\n"  # shown, not written into data
        "typical = stores['sales'].median()\n"  # kept aside, never used in the data
        "stores = stores[stores['sales'] < stores['sales'].quantile(0.99)]\n"  # rows filtered out
        "stores['weekly'] = stores['sales'].rolling(7).mean()\n"  # per window
        "stores['row_mean'] = stores[['q1', 'q2', 'q3']].mean(axis=1)\n"  # per row
        "stores['store_mean'] = stores.groupby('store')['sales'].transform('mean')\n"
        "by_region = stores.groupby('region')['sales'].mean()\n"  # a per-group aggregate
        "X_train, X_test, y_train, y_test = train_test_split(stores.drop(columns='sales'), stores['sales'])\n"
        # After the split, statistics of the training part are the right thing to use.
        "X_train = X_train.fillna(X_train.mean())\n"
        "X_test = X_test.fillna(X_train.mean())\n"
    )
    assert _lint(body, "MLS311") == []


def test_statistics_are_followed_across_notebook_cells():
    notebook = (
        "# %% [1]\nimport pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
        "# %% [2]\nloans = pd.read_csv('loans.csv')\n"
        "# %% [3]\nloans['income'] = loans['income'].fillna(loans['income'].mean())\n"
        "# %% [4]\nX_train, X_test, y_train, y_test = train_test_split(loans[['income']], loans['default'])\n"
    )
    [finding] = lint_percent_notebook(notebook, "MLS311")
    assert finding.cell == 3 and "cell 4" in finding.message


def test_a_split_made_by_a_helper_of_the_project_is_a_split():
    body = (
        "def split(frame, target='price'):\n"
        "    return train_test_split(frame.drop(columns=target), frame[target], test_size=0.2, random_state=0)\n"
        "\n"
        "houses = pd.read_csv('houses.csv')\n"
        "houses[['area']] = StandardScaler().fit_transform(houses[['area']])\n"
        "X_train, X_test, y_train, y_test = split(houses)\n"
        "scaler = StandardScaler().fit(X_test)\n"
        "model = LogisticRegression().fit(X_train, y_train)\n"
    )
    assert [f.span.line for f in _lint(body, "MLS311")] == [_line(body, "houses[['area']] = StandardScaler().fit_transform(houses[['area']])")]
    assert [f.span.line for f in _lint(body, "MLS312")] == [_line(body, "scaler = StandardScaler().fit(X_test)")]


def test_a_helper_that_does_not_split_makes_no_parts():
    body = (
        "def load_parts(path):\n"
        "    frame = pd.read_csv(path)\n"
        "    return frame.drop(columns='y'), frame['y']\n"
        "\n"
        "features, labels = load_parts('train.csv')\n"
        "scaler = StandardScaler().fit(labels.to_frame())\n"
    )
    assert _lint(body, "MLS312") == []


# MLS311: what a fit learned must reach the model; pipelines, helpers, undersampling ---------


def test_a_projection_fitted_for_a_plot_is_not_a_leak():
    body = (
        "from sklearn.decomposition import PCA\n"
        "import matplotlib.pyplot as plt\n"
        "cells = pd.read_csv('cells.csv')\n"
        "X, y = cells.drop(columns='malignant'), cells['malignant']\n"
        "projected = PCA(n_components=2).fit_transform(X)\n"
        "plt.scatter(projected[:, 0], projected[:, 1], c=y)\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)\n"
        "model = LogisticRegression(max_iter=1000).fit(X_train, y_train)\n"
    )
    assert _lint(body, "MLS311") == []


def test_a_scaler_fitted_on_all_rows_then_applied_to_the_parts_is_reported():
    body = (
        "cells = pd.read_csv('cells.csv')\n"
        "X, y = cells.drop(columns='malignant'), cells['malignant']\n"
        "scaler = StandardScaler()\n"
        "scaler.fit(X)\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
        "model = LogisticRegression().fit(scaler.transform(X_train), y_train)\n"
    )
    [finding] = _lint(body, "MLS311")
    assert finding.span.line == _line(body, "scaler.fit(X)")
    unused = body.replace("scaler.transform(X_train)", "X_train")
    assert _lint(unused, "MLS311") == []


def test_pipelines_unions_and_column_transformers_fitted_on_all_rows_are_reported():
    header = (
        "from sklearn.compose import ColumnTransformer\n"
        "from sklearn.decomposition import PCA\n"
        "from sklearn.impute import SimpleImputer\n"
        "from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline\n"
        "houses = pd.read_csv('houses.csv')\n"
        "X, y = houses.drop(columns='price'), houses['price']\n"
    )
    split = "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
    cases = {
        "X = make_pipeline(SimpleImputer(), StandardScaler()).fit_transform(X)": "`make_pipeline` with `",
        "X = FeatureUnion([('pca', PCA(3)), ('raw', 'passthrough')]).fit_transform(X)": "`FeatureUnion` with `PCA`",
    }
    for fit, named in cases.items():
        body = header + fit + "\n" + split
        [finding] = _lint(body, "MLS311")
        assert finding.span.line == _line(body, fit) and named in finding.message, fit
    named_steps = (
        header
        + "numeric = Pipeline([('impute', SimpleImputer(strategy='median')), ('scale', StandardScaler())])\n"
        + "columns = ColumnTransformer([('num', numeric, ['area', 'rooms'])], remainder='drop')\n"
        + "X = columns.fit_transform(X)\n"
        + split
    )
    [finding] = _lint(named_steps, "MLS311")
    assert "`ColumnTransformer` with `" in finding.message
    # A pipeline ending in a model, fitted on the training part: the idiom, not a leak.
    idiom = header + split + "model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)\n"
    assert _lint(idiom, "MLS311") == []
    # Steps that learn nothing from the rows make no leak either.
    stateless = header + "from sklearn.preprocessing import FunctionTransformer\n" + (
        "X = make_pipeline(FunctionTransformer(np.log1p)).fit_transform(X)\n"
    ) + split
    assert _lint(stateless, "MLS311") == []


def test_a_helper_that_fits_and_returns_the_scaled_data_is_a_fit():
    body = (
        "def standardize(frame):\n"
        "    scaler = StandardScaler()\n"
        "    return scaler.fit_transform(frame)\n"
        "\n"
        "def rename(frame):\n"
        "    return frame.rename(columns=str.lower)\n"
        "\n"
        "houses = pd.read_csv('houses.csv')\n"
        "X = standardize(houses.drop(columns='price'))\n"
        "X = rename(X)\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, houses['price'], random_state=0)\n"
    )
    [finding] = _lint(body, "MLS311")
    assert finding.span.line == _line(body, "X = standardize(houses.drop(columns='price'))")
    assert "`StandardScaler` in `standardize`" in finding.message


def test_random_undersampling_before_the_split_is_not_a_leak():
    body = (
        "from imblearn.over_sampling import RandomOverSampler\n"
        "from imblearn.under_sampling import RandomUnderSampler\n"
        "claims = pd.read_csv('claims.csv')\n"
        "X, y = claims.drop(columns='fraud'), claims['fraud']\n"
        "X_small, y_small = RandomUnderSampler(random_state=0).fit_resample(X, y)\n"
        "parts = train_test_split(X_small, y_small, random_state=0)\n"
        "X_big, y_big = RandomOverSampler(random_state=0).fit_resample(X, y)\n"
        "more_parts = train_test_split(X_big, y_big, random_state=0)\n"
    )
    [finding] = _lint(body, "MLS311")
    assert "`RandomOverSampler`" in finding.message


def test_calibrating_a_prefit_model_on_the_held_out_part_is_the_method():
    body = (
        "from sklearn.calibration import CalibratedClassifierCV\n"
        "from sklearn.frozen import FrozenEstimator\n"
        "from sklearn.ensemble import RandomForestClassifier\n"
        "frame = pd.read_csv('churn.csv')\n"
        "X_train, X_calib, y_train, y_calib = train_test_split(frame.drop(columns='y'), frame['y'], random_state=0)\n"
        "forest = RandomForestClassifier(random_state=0).fit(X_train, y_train)\n"
        "prefit = CalibratedClassifierCV(forest, cv='prefit', method='isotonic').fit(X_calib, y_calib)\n"
        "frozen = CalibratedClassifierCV(FrozenEstimator(forest)).fit(X_calib, y_calib)\n"
        "refit = CalibratedClassifierCV(RandomForestClassifier(), cv=5).fit(X_calib, y_calib)\n"
    )
    assert lines(_lint(body, "MLS312")) == [_line(body, "refit = CalibratedClassifierCV(RandomForestClassifier(), cv=5).fit(X_calib, y_calib)")]


def test_wrappers_of_fitted_models_and_models_of_residuals_on_a_held_out_part():
    body = (
        "from sklearn.ensemble import RandomForestRegressor\n"
        "from mapie.regression import TimeSeriesRegressor\n"
        "frame = pd.read_csv('sales.csv')\n"
        "X_train, X_res, y_train, y_res = train_test_split(frame.drop(columns='y'), frame['y'], random_state=0)\n"
        "base = RandomForestRegressor(random_state=0).fit(X_train, y_train)\n"
        "wrapper = TimeSeriesRegressor(estimator=base, cv=blocks)\n"
        "wrapper.fit(X_res, y_res)\n"
        "errors = RandomForestRegressor(random_state=0).fit(X_res, np.abs(y_res - base.predict(X_res)))\n"
        "unfitted = TimeSeriesRegressor(estimator=RandomForestRegressor(), cv=blocks)\n"
        "unfitted.fit(X_res, y_res)\n"
    )
    assert lines(_lint(body, "MLS312")) == [_line(body, "unfitted.fit(X_res, y_res)")]


def test_a_pipeline_built_from_itself_ends():
    body = (
        "from sklearn.pipeline import make_pipeline\n"
        "pipe = make_pipeline(StandardScaler())\n"
        "pipe = make_pipeline(pipe, pipe)\n"
        "frame = pd.read_csv('x.csv')\n"
        "X = pipe.fit_transform(frame)\n"
        "parts = train_test_split(X, random_state=0)\n"
    )
    # It ends. The inner `pipe` is read where the walk is (the outer pipeline), so the
    # scaler of the first one is not seen: a known miss, not a finding made up.
    assert _lint(body, "MLS311") == []


def test_a_category_encoder_refitted_on_a_test_file_learns_no_statistic():
    """Re-encoding a test file's categories (`cp_type`, `cp_dose`) may give other codes
    than training did, but learns nothing about its rows: not MLS312's leak."""
    body = (
        "from sklearn.preprocessing import LabelEncoder\n"
        "train = pd.read_csv('inputs/train_features.csv')\n"
        "test = pd.read_csv('inputs/test_features.csv')\n"
        "for column in ['cp_type', 'cp_dose']:\n"
        "    encoder = LabelEncoder()\n"
        "    train[column] = encoder.fit_transform(train[column])\n"
        "    test[column] = encoder.fit_transform(test[column])\n"
        "model = LogisticRegression().fit(train.drop(columns='target'), train['target'])\n"
    )
    assert _lint(body, "MLS312") == []
    assert len(_lint(body.replace("LabelEncoder", "StandardScaler"), "MLS312")) == 1
