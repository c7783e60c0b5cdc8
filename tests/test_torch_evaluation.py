"""MLS503 (eval-mode-missing) and MLS504 (grad-in-eval) beyond their documented examples."""

from __future__ import annotations

import textwrap

from conftest import lines, lint, lint_percent_notebook


def test_eval_missing_in_a_script_through_an_aliased_no_grad():
    findings = lint(
        """
        import torch as T
        from torch.autograd import no_grad as nograd
        from torchvision.models import resnet18

        backbone = resnet18(num_classes=10)
        train(backbone, train_loader)
        with nograd():
            for images, labels in test_loader:
                hits += (backbone(images).argmax(1) == labels).sum().item()
        """,
        "MLS503",
    )
    assert lines(findings) == [9]
    assert "`backbone.eval()`" in findings[0].message


def test_eval_missing_in_an_evaluation_function_and_its_caller_sets_no_mode():
    findings = lint(
        """
        import torch

        def validate(net, loader, criterion):
            total = 0.0
            for inputs, targets in loader:
                total += criterion(net(inputs), targets).item()
            return total / len(loader)

        for epoch in range(10):
            net.train()
            train_one_epoch(net, train_loader)
            print(validate(net, val_loader, criterion))
        """,
        "MLS503",
    )
    assert lines(findings) == [6]
    assert "in `validate()`" in findings[0].message


def test_eval_in_the_caller_counts():
    code = """
        import torch

        @torch.no_grad()
        def evaluate(model, loader):
            return [model(x).argmax(1) for x in loader] + [model(x) for x in loader]

        @torch.inference_mode()
        def score(model, loader):
            for batch in loader:
                metric.update(model(batch["pixels"]), batch["label"])

        model.eval()
        score(model, test_loader)
        """
    assert lint(code, "MLS503") == []


def test_mode_set_in_branches_is_not_guessed():
    code = """
        import torch

        def run_epoch(model, loaders, optimizer, phase):
            if phase == "train":
                model.train()
            else:
                model.eval()
            for inputs, labels in loaders[phase]:
                with torch.set_grad_enabled(phase == "train"):
                    loss = criterion(model(inputs), labels)
                    if phase == "train":
                        optimizer.zero_grad()
                        loss.backward()
                        optimizer.step()
        """
    assert lint(code, "MLS503") == []


def test_models_without_dropout_or_batch_norm_are_left_alone():
    code = """
        import torch
        import torch.nn as nn

        class TwoLayer(nn.Module):
            def __init__(self, n_in, n_hidden, n_out):
                super().__init__()
                self.hidden = nn.Linear(n_in, n_hidden)
                self.cell = nn.LSTMCell(n_hidden, n_hidden)
                self.out = nn.Linear(n_hidden, n_out)

            def forward(self, x):
                return self.out(torch.relu(self.hidden(x)))

        model = TwoLayer(784, 128, 10).to(device)
        regressor = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
        with torch.no_grad():
            for images, labels in test_loader:
                predicted = model(images.view(-1, 784)).argmax(1)
                fitted = regressor(images.view(-1, 8))
        """
    assert lint(code, "MLS503") == []


def test_a_local_class_with_dropout_or_an_unknown_part_is_reported():
    findings = lint(
        """
        import torch
        from torch import nn
        import timm

        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(512, 10)

            def forward(self, x):
                return nn.functional.dropout(self.fc(x), 0.5, training=self.training)

        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = timm.create_model("resnet18")

        head, tagger = Head(), Tagger()
        head = Head()
        tagger = Tagger()
        with torch.no_grad():
            for features in valid_loader:
                head(features)
                tagger(features)
        """,
        "MLS503",
    )
    assert lines(findings) == [23, 24]


def test_training_loops_and_framework_hooks_are_not_evaluation():
    code = """
        import torch
        import lightning as L

        def train_gan(generator, discriminator, loader, d_opt):
            for real in loader:
                with torch.no_grad():
                    fake = generator(torch.randn(64, 100))
                loss = discriminator(fake).mean() - discriminator(real).mean()
                loss.backward()
                d_opt.step()

        class Classifier(L.LightningModule):
            def validation_step(self, batch, batch_idx):
                for x, y in batch:
                    self.model(x)

        class Decoder(torch.nn.Module):
            @torch.no_grad()
            def generate(self, tokens, steps):
                for _ in range(steps):
                    tokens = torch.cat([tokens, self.model(tokens)[:, -1:].argmax(-1)], 1)
                return tokens

        def sample(model, prompt):
            with torch.no_grad():
                for _ in range(20):
                    prompt = model(prompt)
        """
    assert lint(code, "MLS503") == []


def test_test_files_and_models_loaded_pretrained_are_left_alone():
    loaded = """
        import torch
        from transformers import AutoModelForSequenceClassification

        model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")
        with torch.no_grad():
            for batch in test_loader:
                logits = model(**batch).logits
        """
    assert lint(loaded, "MLS503") == []
    in_tests = """
        import torch

        def test_forward_shapes(model, loader):
            with torch.no_grad():
                for x in loader:
                    assert model(x).shape == (4, 10)
        """
    assert lint(in_tests, "MLS503", path="tests/test_model.py") == []


def test_training_after_eval_needs_a_model_that_is_trained_again():
    findings = lint(
        """
        import torch

        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        model.eval()
        print(evaluate(model, val_loader))
        for x, y in train_loader:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        """,
        "MLS503",
    )
    assert lines(findings) == [12]
    assert "`model.train()`" in findings[0].message


def test_a_frozen_feature_extractor_stays_in_eval_mode():
    code = """
        import torch
        from torchvision.models import vgg19

        extractor = vgg19(weights="DEFAULT").features.eval()
        extractor.eval()
        for low, high in train_loader:
            loss = criterion(extractor(generator(low)), extractor(high))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        """
    assert lint(code, "MLS503") == []


def test_eval_in_an_earlier_notebook_cell_counts():
    notebook = (
        "# %% [1]\nimport torch\nmodel = build_model()\n"
        "# %% [2]\nmodel.eval()\n"
        "# %% [3]\nwith torch.no_grad():\n    for x, y in test_loader:\n        preds.append(model(x))\n"
    )
    assert lint_percent_notebook(notebook, "MLS503") == []
    findings = lint_percent_notebook(notebook.replace("model.eval()", "model.train()"), "MLS503")
    assert [(f.cell, f.span.line) for f in findings] == [(3, 3)]


def test_grad_in_eval_over_a_held_out_loader_in_a_training_function():
    findings = lint(
        """
        import torch.nn.functional as F

        def fit(net, optimizer, trainloader, validloader, epochs):
            for epoch in range(epochs):
                net.train()
                for batch in trainloader:
                    optimizer.zero_grad()
                    F.mse_loss(net(batch.x), batch.y).backward()
                    optimizer.step()
                net.eval()
                val_loss = 0.0
                for batch in validloader:
                    val_loss += F.mse_loss(net(batch.x), batch.y).item()
        """,
        "MLS504",
    )
    assert lines(findings) == [13]
    assert "over `validloader`" in findings[0].message


def test_no_grad_around_the_loop_or_around_the_call_of_the_function():
    code = """
        import torch
        from torch import inference_mode

        def evaluate(model, loader):
            model.eval()
            return sum(model(x).argmax(1).eq(y).sum().item() for x, y in loader)

        def validate(model, loader):
            model.eval()
            for x, y in loader:
                metric.update(model(x), y)

        def run(model, val_loader):
            with inference_mode():
                validate(model, val_loader)

        with torch.no_grad():
            for x, y in test_loader:
                preds.append(model(x))
        """
    assert lint(code, "MLS504") == []


def test_evaluation_that_needs_gradients_is_left_alone():
    code = """
        import torch

        def evaluate_robustness(model, test_loader, epsilon):
            model.eval()
            correct = 0
            for images, labels in test_loader:
                images.requires_grad = True
                loss = torch.nn.functional.cross_entropy(model(images), labels)
                grad, = torch.autograd.grad(loss, images)
                adversarial = (images + epsilon * grad.sign()).clamp(0, 1)
                correct += (model(adversarial).argmax(1) == labels).sum().item()
            return correct

        def test_time_adaptation(model, optimizer, test_loader):
            for images, _ in test_loader:
                entropy(model(images)).backward()
                optimizer.step()
        """
    assert lint(code, "MLS504") == []


def test_a_weightless_layer_called_in_a_loop_is_not_a_model():
    code = """
        import torch
        from torch import nn

        def predict(model, loader):
            model.eval()
            softmax = nn.Softmax(dim=1)
            with torch.no_grad():
                logits = [model(x) for x in loader]
            probabilities = []
            for batch_logits in logits:
                probabilities.append(softmax(batch_logits))
            return probabilities
        """
    assert lint(code, "MLS503", "MLS504") == []


_EPOCHS_CALLING_HELPERS = """
    import torch
    import torch.nn.functional as F

    def train(model, device, loader, optimizer):
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            loss = F.nll_loss(model(data), target)
            loss.backward()
            optimizer.step()

    def test(model, device, loader):
        model.eval()
        correct = 0
        with torch.no_grad():
            for data, target in loader:
                correct += model(data.to(device)).argmax(1).eq(target.to(device)).sum().item()
        return correct / len(loader.dataset)

    def main(args):
        net = Net().to(args.device)
        optimizer = torch.optim.Adadelta(net.parameters(), lr=args.lr)
        for epoch in range(1, args.epochs + 1):
            train(net, args.device, train_loader, optimizer)
            print(epoch, test(net, args.device, test_loader))
"""


def test_an_epoch_loop_whose_evaluation_helper_leaves_the_model_in_eval_mode():
    findings = lint(_EPOCHS_CALLING_HELPERS, "MLS503")
    assert lines(findings) == [8]
    assert "from the second pass of the loop in `main()` that calls `train()` on" in findings[0].message
    assert "`test()` switches `net` to `.eval()`" in findings[0].message


def test_the_helper_or_the_epoch_loop_switching_back_to_training_is_enough():
    in_helper = _EPOCHS_CALLING_HELPERS.replace(
        "        for data, target in loader:\n            data, target", "        model.train()\n        for data, target in loader:\n            data, target", 1
    )
    in_loop = _EPOCHS_CALLING_HELPERS.replace(
        "            train(net,", "            net.train()\n            train(net,"
    )
    restored_by_test = _EPOCHS_CALLING_HELPERS.replace(
        "        return correct / len", "        model.train()\n        return correct / len"
    )
    for code in (in_helper, in_loop, restored_by_test):
        assert lint(code, "MLS503") == []


def test_evaluation_inside_the_epoch_loop_of_a_training_script():
    findings = lint(
        """
        import torch
        from torch import nn

        model = nn.Sequential(nn.Linear(20, 64), nn.Dropout(0.3), nn.ReLU(), nn.Linear(64, 2))
        for epoch in range(30):
            for x, y in train_loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
            if epoch % 5 == 0:
                model.eval()
                with torch.no_grad():
                    print(sum(loss_fn(model(x), y).item() for x, y in val_loader))
        """,
        "MLS503",
    )
    assert lines(findings) == [8]
    assert "second pass of its loop on: `model.eval()` comes later in that loop" in findings[0].message


def test_a_trainer_class_whose_validate_method_switches_the_model():
    code = """
        import torch

        class Trainer:
            def __init__(self, model, optimizer):
                self.model = model
                self.optimizer = optimizer

            def train_epoch(self, loader):
                for batch, labels in loader:
                    self.optimizer.zero_grad()
                    self.criterion(self.model(batch), labels).backward()
                    self.optimizer.step()

            def validate(self, loader):
                self.model.eval()
                with torch.no_grad():
                    return sum(self.criterion(self.model(b), y).item() for b, y in loader)

            def fit(self, epochs):
                for epoch in range(epochs):
                    self.train_epoch(self.train_loader)
                    self.validate(self.val_loader)
        """
    findings = lint(code, "MLS503")
    assert lines(findings) == [11]
    assert "`validate()` switches `self.model` to `.eval()`" in findings[0].message
    fixed = code.replace("                for batch, labels in loader:", "                self.model.train()\n                for batch, labels in loader:")
    assert lint(fixed, "MLS503") == []


def test_a_teacher_kept_in_eval_mode_inside_the_epoch_loop_is_not_trained():
    code = """
        import torch

        for epoch in range(10):
            teacher.eval()
            student.train()
            for images, labels in train_loader:
                with torch.no_grad():
                    soft = teacher(images)
                loss = distill(student(images), soft, labels)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        """
    assert lint(code, "MLS503") == []


def test_a_model_returned_in_evaluation_mode_by_a_local_loader_is_not_reported():
    code = """
        import torch
        from torch import nn

        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(300, 128), nn.Dropout(0.3), nn.Linear(128, 17))

            def forward(self, x):
                return self.body(x)

        def restore(checkpoint):
            tagger = Tagger()
            tagger.load_state_dict(torch.load(checkpoint))
            return tagger.eval()

        def restore_on(checkpoint, device):
            tagger = Tagger().to(device)
            tagger.load_state_dict(torch.load(checkpoint))
            tagger.eval()
            return tagger

        tagger = restore("tagger.pt")
        with torch.no_grad():
            for tokens, tags in test_loader:
                hits += (tagger(tokens).argmax(-1) == tags).sum()
        tagger = restore_on("tagger.pt", "cuda")
        with torch.no_grad():
            for tokens, tags in test_loader:
                hits += (tagger(tokens).argmax(-1) == tags).sum()
        """
    assert lint(code, "MLS503") == []
    unswitched = code.replace("return tagger.eval()", "return tagger").replace("tagger.eval()", "tagger.float()")
    assert lines(lint(unswitched, "MLS503")) == [26]


def test_a_class_is_judged_by_the_definition_in_effect_where_the_model_is_built():
    notebook = textwrap.dedent(
        """
        # %% [1]
        import torch
        from torch import nn

        class Regressor(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1))

            def forward(self, x):
                return self.layers(x)

        # %% [2]
        regressor = Regressor()
        regressor = regressor.to(device)
        with torch.no_grad():
            for features, target in test_loader:
                errors.append((regressor(features) - target).abs())

        # %% [3]
        class Regressor(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 1))

            def forward(self, x):
                return self.layers(x)
        """
    ).lstrip("\n")
    assert lint_percent_notebook(notebook, "MLS503") == []
    first, _, rest = notebook.partition("# %% [2]")
    swapped = first.replace("nn.ReLU(), nn.Linear", "nn.ReLU(), nn.Dropout(0.5), nn.Linear") + "# %% [2]" + rest
    findings = lint_percent_notebook(swapped, "MLS503")
    assert [(f.cell, f.span.line) for f in findings] == [(2, 5)]


def test_a_model_parameter_of_a_function_nothing_here_calls_is_left_to_its_callers():
    code = """
        import torch

        def confusion_counts(model, loader, num_classes):
            counts = torch.zeros(num_classes, num_classes)
            with torch.no_grad():
                for images, labels in loader:
                    predicted = model(images).argmax(1)
                    for t, p in zip(labels, predicted):
                        counts[t, p] += 1
            return counts
        """
    assert lint(code, "MLS503") == []
    called = code + """
        model.train()
        print(confusion_counts(model, val_loader, 10))
        """
    assert lines(lint(called, "MLS503")) == [7]


def test_a_method_of_the_file_is_not_a_model_to_switch():
    code = """
        import torch
        from torch import nn

        class Siamese(nn.Module):
            def __init__(self):
                super().__init__()
                self.tower = nn.Sequential(nn.Linear(128, 64), nn.BatchNorm1d(64), nn.ReLU())

            def embed_with_model(self, x):
                return self.tower(x)

            @classmethod
            def distance_model(cls, a, b):
                return (a - b).norm(dim=1)

        def score_pairs(model, pairs_loader):
            with torch.no_grad():
                for left, right in pairs_loader:
                    scores.append(model.embed_with_model(left) - model.embed_with_model(right))

        score_pairs(Siamese(), test_loader)
        """
    assert lint(code, "MLS503") == []
    assert lines(lint(code.replace("model.embed_with_model", "model"), "MLS503")) == [19]


def test_a_pretrained_pipeline_is_not_a_model():
    code = """
        import torch
        from diffusers import DiffusionPipeline

        generator = DiffusionPipeline.from_pretrained("some/checkpoint")
        generator = generator.to("cuda")
        with torch.no_grad():
            for prompt in test_prompts:
                images.append(generator(prompt).images[0])
        """
    assert lint(code, "MLS503") == []
    unknown = code.replace('DiffusionPipeline.from_pretrained("some/checkpoint")', 'load_generator("some/checkpoint")')
    assert lines(lint(unknown, "MLS503")) == [8]


def test_switches_assigned_at_the_top_and_bottom_of_an_epoch_are_ordered_right():
    code = """
        import torch
        from torch import nn

        model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
        for epoch in range(5):
            model = model.train()
            for images, labels in train_loader:
                loss = criterion(model(images), labels)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            model = model.eval()
            print(accuracy(model, val_loader))
        """
    assert lint(code, "MLS503") == []
    findings = lint(code.replace("model = model.train()", "print(epoch)"), "MLS503")
    assert lines(findings) == [8]
    assert "trained here in evaluation mode" in findings[0].message


def test_training_in_evaluation_mode_is_not_reported_for_mode_free_arguments():
    code = """
        import torch
        from torch import nn

        def train_epoch(model, loader, optimizer):
            for x, y in loader:
                loss = nn.functional.cross_entropy(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

        def test_epoch(model, loader):
            model.eval()
            with torch.no_grad():
                return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)

        probe = nn.Sequential(nn.Flatten(), nn.Linear(784, 10)).to(device)
        for epoch in range(3):
            train_epoch(probe, train_loader, optimizer)
            test_epoch(probe, test_loader)
        probe.train()
        """
    assert lint(code, "MLS503") == []
    dropout = code.replace("nn.Linear(784, 10)", "nn.Dropout(0.2), nn.Linear(784, 10)")
    assert lines(lint(dropout, "MLS503")) == [6]


def test_a_model_a_library_base_class_provides_is_left_to_it():
    code = """
        import torch
        from serving_kit import TorchModelServer

        class ForecastServer(TorchModelServer):
            def predict(self, request):
                outputs = []
                for window in request["inputs"]:
                    outputs.append(self.model(torch.tensor(window)).tolist())
                return outputs
        """
    assert lint(code, "MLS503") == []
    owned = code.replace(
        "    def predict", "    def __init__(self, model):\n                self.model = model\n\n            def predict"
    )
    assert lines(lint(owned, "MLS503")) == [11]


def test_a_local_criterion_is_not_a_model():
    source = textwrap.dedent('''
        import torch
        from torch.nn.modules.loss import _WeightedLoss


        class SmoothBCEwLogits(_WeightedLoss):
            def __init__(self, smoothing=0.0):
                super().__init__()
                self.smoothing = smoothing

            def forward(self, inputs, targets):
                targets = targets * (1.0 - self.smoothing) + 0.5 * self.smoothing
                return torch.nn.functional.binary_cross_entropy_with_logits(inputs, targets)


        class Head(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = torch.nn.Linear(16, 4)

            def forward(self, x):
                return self.linear(x)


        def valid_fn(model, loss_fn, loader, device):
            model.eval()
            for batch in loader:
                outputs = model(batch["x"].to(device))
                loss = loss_fn(outputs, batch["y"].to(device))


        def run(loader):
            loss_fn = SmoothBCEwLogits(smoothing=0.001)
            model = Head()
            return valid_fn(model, loss_fn, loader, "cpu")
    ''')
    # the model's call is the finding; the criterion's is not a second one
    assert lines(lint(source, "MLS504")) == [27]


def test_a_criterion_is_never_the_reported_model():
    code = """
        import torch
        from torch import nn


        class FocalLoss(nn.Module):
            def __init__(self, gamma=2.0):
                super().__init__()
                self.gamma = gamma

            def forward(self, logits, targets):
                p = torch.sigmoid(logits)
                return ((1 - p) ** self.gamma * nn.functional.binary_cross_entropy(p, targets)).mean()


        class Scorer:
            def __init__(self):
                self.dice_loss = build_dice()

            def score(self, val_logits, val_masks):
                return [self.dice_loss(logits, mask) for logits, mask in zip(val_logits, val_masks)]

            def score_loop(self, cached_val_logits, val_masks):
                total = 0.0
                for logits, mask in zip(cached_val_logits, val_masks):
                    total += self.dice_loss(logits, mask).item()
                return total


        def validate(cached_logits, val_targets, loss_func):
            focal = FocalLoss()
            total = 0.0
            for logits, targets in zip(cached_logits, val_targets):
                total += focal(logits, targets).item() + loss_func(logits, targets).item()
            return total
        """
    assert lint(code, "MLS503", "MLS504") == []
    # the same loops running a network are reported
    network = code.replace("focal(logits, targets)", "classifier(logits, targets)")
    assert [(f.span.line, f.message.split("`")[1]) for f in lint(network, "MLS504")] == [(33, "classifier")]


def test_one_finding_per_evaluation_loop():
    code = """
        import torch
        from torch import nn

        criterion = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(3.0))
        encoder, decoder = build_encoder(), build_decoder()

        def evaluate(encoder, decoder, val_loader, test_loader):
            encoder.eval()
            decoder.eval()
            val_loss = 0.0
            for images, masks in val_loader:
                logits = decoder(encoder(images))
                val_loss += criterion(logits, masks).item()
            test_loss = 0.0
            for images, masks in test_loader:
                test_loss += criterion(decoder(encoder(images)), masks).item()
            return val_loss, test_loss
        """
    # one `with torch.no_grad():` per loop fixes it: one finding each, on the first network
    findings = lint(code, "MLS504")
    assert [(f.span.line, f.message.split("`")[1]) for f in findings] == [(12, "decoder"), (16, "decoder")]


def test_a_loop_that_fine_tunes_is_not_an_evaluation_loop():
    code = """
        import copy
        import torch


        class AdaptivePredictor:
            def __init__(self, model, steps=5):
                self.model = model
                self.steps = steps

            def _adapt(self, model, support_x, support_y):
                optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
                for _ in range(self.steps):
                    optimizer.zero_grad()
                    self._loss(model, support_x, support_y).backward()
                    optimizer.step()

            def _train_model(self, model, support_x, support_y):
                self._adapt(model, support_x, support_y)
                return model

            def _loss(self, model, x, y):
                return torch.nn.functional.mse_loss(model(x), y)

            def predict(self, test_tasks):
                predictions = []
                for support_x, support_y, query_x in test_tasks:
                    model = copy.deepcopy(self.model)
                    self._train_model(model, support_x, support_y)
                    predictions.append(model(query_x).detach())
                return predictions


        def predict_inline(base_model, test_tasks):
            predictions = []
            for support_x, support_y, query_x in test_tasks:
                model = copy.deepcopy(base_model)
                optimizer = torch.optim.Adam(model.parameters())
                for _ in range(3):
                    optimizer.zero_grad()
                    torch.nn.functional.mse_loss(model(support_x), support_y).backward()
                    optimizer.step()
                predictions.append(model(query_x).detach())
            return predictions
        """
    assert lint(code, "MLS503", "MLS504") == []
    # a helper that only prepares the data does not make the loop a training loop
    preparing = code.replace(
        "optimizer.zero_grad()\n                    self._loss(model, support_x, support_y).backward()\n"
        "                    optimizer.step()",
        "support_x = support_x.float()",
    )
    assert lines(lint(preparing, "MLS504")) == [27]
